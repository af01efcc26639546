import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { canonicalEncryptionContext, type EncryptionContext } from './kms-encryption-context.ts'
import { kmsErrors } from './kms-error.ts'

/*
 * Opaque blob layout (ours, not AWS's):
 *   "LKMS" | version 1 (1 byte) | key id length (1 byte) | key id (utf8) | IV (12) | GCM tag (16) | ciphertext
 * The header and the canonical encryption context are the AAD, so any flipped bit or a different
 * context fails authentication.
 */
const magic = Buffer.from('LKMS', 'ascii')
const version = 1
const ivLength = 12
const tagLength = 16

function header(keyId: string): Buffer {
  const id = Buffer.from(keyId, 'utf8')
  if (id.length > 255) throw kmsErrors.validation('KeyId is too long')
  return Buffer.concat([magic, Buffer.from([version, id.length]), id])
}

export function sealCiphertextBlob(
  keyId: string,
  masterSecret: Buffer,
  plaintext: Buffer,
  context: EncryptionContext | undefined,
): Buffer {
  const head = header(keyId)
  const iv = randomBytes(ivLength)
  const cipher = createCipheriv('aes-256-gcm', masterSecret, iv)
  cipher.setAAD(Buffer.concat([head, canonicalEncryptionContext(context)]))
  const encrypted = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return Buffer.concat([head, iv, cipher.getAuthTag(), encrypted])
}

/** The key id a blob claims to be sealed under; InvalidCiphertextException when it is no blob of ours. */
export function readCiphertextKeyId(blob: Buffer): string {
  if (
    blob.length < magic.length + 2 ||
    !blob.subarray(0, magic.length).equals(magic) ||
    blob[4] !== version
  ) {
    throw kmsErrors.invalidCiphertext()
  }
  const idLength = blob[5]!
  if (blob.length < 6 + idLength + ivLength + tagLength) throw kmsErrors.invalidCiphertext()
  return blob.subarray(6, 6 + idLength).toString('utf8')
}

export function openCiphertextBlob(
  blob: Buffer,
  masterSecret: Buffer,
  context: EncryptionContext | undefined,
): Buffer {
  readCiphertextKeyId(blob)
  const headLength = 6 + blob[5]!
  const iv = blob.subarray(headLength, headLength + ivLength)
  const tag = blob.subarray(headLength + ivLength, headLength + ivLength + tagLength)
  const encrypted = blob.subarray(headLength + ivLength + tagLength)
  try {
    const decipher = createDecipheriv('aes-256-gcm', masterSecret, iv)
    decipher.setAAD(Buffer.concat([blob.subarray(0, headLength), canonicalEncryptionContext(context)]))
    decipher.setAuthTag(tag)
    return Buffer.concat([decipher.update(encrypted), decipher.final()])
  } catch {
    throw kmsErrors.invalidCiphertext()
  }
}
