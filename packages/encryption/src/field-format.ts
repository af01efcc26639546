// The bytes of one encrypted field (README "Field format"):
//   version (1) | key reference kind (1) | key reference | IV (12) | ciphertext | GCM tag (16)
// Reference kind 0x01: 8-byte id of a data key stored once per item (in the `__dk` attribute);
// kind 0x02: u16 length + the KMS-encrypted data key itself, for writes that see only part of an item.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { DecryptionError } from './errors.ts'

const FORMAT_VERSION = 0x01
const KEY_IN_ITEM = 0x01
const KEY_INLINE = 0x02
const IV_BYTES = 12
const TAG_BYTES = 16

export interface ParsedField {
  /** Version and key reference: authenticated as the start of the AAD. */
  header: Buffer
  /** Whether `reference` is the encrypted data key itself rather than the id of one in the item. */
  inline: boolean
  reference: Buffer
  iv: Buffer
  ciphertext: Buffer
  tag: Buffer
}

/** How a data key is named inside an item: the first 8 bytes of SHA-256 of its KMS ciphertext. */
export function dataKeyId(encryptedKey: Uint8Array): Buffer {
  return createHash('sha256').update(encryptedKey).digest().subarray(0, 8)
}

/** The header of fields sealed with `key`: naming it by id, or carrying it (`inline`). */
export function fieldHeader(key: { id: Uint8Array; encrypted: Uint8Array }, inline: boolean): Buffer {
  if (!inline) return Buffer.concat([Uint8Array.of(FORMAT_VERSION, KEY_IN_ITEM), key.id])
  const start = Buffer.of(FORMAT_VERSION, KEY_INLINE, 0, 0)
  start.writeUInt16BE(key.encrypted.length, 2)
  return Buffer.concat([start, key.encrypted])
}

const malformed = (reason: string) => new DecryptionError(`Encrypted field is malformed: ${reason}`)

export function parseField(bytes: Uint8Array): ParsedField {
  const field = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  // Shorter than an inline header with an empty key, IV and tag: not even its header can be read.
  if (field.length < 4 + IV_BYTES + TAG_BYTES) throw malformed('too short')
  if (field[0] !== FORMAT_VERSION) throw malformed(`unknown format version ${field[0]}`)
  const inline = field[1] === KEY_INLINE
  if (!inline && field[1] !== KEY_IN_ITEM) throw malformed(`unknown key reference kind ${field[1]}`)
  const start = inline ? 4 : 2
  const headerLength = start + (inline ? field.readUInt16BE(2) : 8)
  // No KMS ciphertext is empty: sent on, KMS would refuse it as a request error, not a bad field.
  if (headerLength === start) throw malformed('empty data key')
  const end = field.length - TAG_BYTES
  if (end < headerLength + IV_BYTES) throw malformed('too short')
  return {
    header: field.subarray(0, headerLength),
    inline,
    reference: field.subarray(start, headerLength),
    iv: field.subarray(headerLength, headerLength + IV_BYTES),
    ciphertext: field.subarray(headerLength + IV_BYTES, end),
    tag: field.subarray(end),
  }
}

/** AES-256-GCM over the encoded value, under a random IV (test vectors give a fixed one). */
export function sealField(
  dataKey: Buffer,
  header: Buffer,
  aad: Buffer,
  plaintext: Buffer,
  iv = randomBytes(IV_BYTES),
): Buffer {
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv, { authTagLength: TAG_BYTES })
  cipher.setAAD(aad)
  return Buffer.concat([header, iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()])
}

/** The encoded value, or DecryptionError when any byte of field or AAD differs from what was sealed. */
export function openField(field: ParsedField, dataKey: Buffer, aad: Buffer, attribute: string): Buffer {
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, field.iv, { authTagLength: TAG_BYTES })
    decipher.setAAD(aad)
    decipher.setAuthTag(field.tag)
    return Buffer.concat([decipher.update(field.ciphertext), decipher.final()])
  } catch {
    throw new DecryptionError(
      `Field ${attribute} did not authenticate: tampered, or moved from another row, attribute or table`,
      { details: { attribute } },
    )
  }
}
