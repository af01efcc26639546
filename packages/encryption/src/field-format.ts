// The bytes of one encrypted field (README "Field format"):
//   version (1) | key reference kind (1) | key reference | IV (12) | ciphertext | GCM tag (16)
// Reference kind 0x01: 8-byte id of a data key stored once per item (in the `__dk` attribute);
// kind 0x02: u16 length + the KMS-encrypted data key itself, for writes that see only part of an item.
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto'
import { DecryptionError } from './errors.ts'

export const FORMAT_VERSION = 0x01
export const KEY_IN_ITEM = 0x01
export const KEY_INLINE = 0x02
export const IV_BYTES = 12
export const TAG_BYTES = 16
export const DATA_KEY_ID_BYTES = 8

export type DataKeyReference =
  | { kind: typeof KEY_IN_ITEM; id: Buffer }
  | { kind: typeof KEY_INLINE; encryptedKey: Uint8Array }

export interface ParsedField {
  /** Version and key reference: authenticated as the start of the AAD. */
  header: Buffer
  reference: DataKeyReference
  iv: Buffer
  ciphertext: Buffer
  tag: Buffer
}

/** How a data key is named inside an item: the first 8 bytes of SHA-256 of its KMS ciphertext. */
export function dataKeyId(encryptedKey: Uint8Array): Buffer {
  return createHash('sha256').update(encryptedKey).digest().subarray(0, DATA_KEY_ID_BYTES)
}

export function fieldHeader(reference: DataKeyReference): Buffer {
  if (reference.kind === KEY_IN_ITEM)
    return Buffer.concat([Uint8Array.of(FORMAT_VERSION, KEY_IN_ITEM), reference.id])
  const length = Buffer.alloc(2)
  length.writeUInt16BE(reference.encryptedKey.length)
  return Buffer.concat([Uint8Array.of(FORMAT_VERSION, KEY_INLINE), length, reference.encryptedKey])
}

const malformed = (reason: string) => new DecryptionError(`Encrypted field is malformed: ${reason}`)

export function parseField(bytes: Uint8Array): ParsedField {
  const field = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (field.length < 2) throw malformed('too short')
  if (field[0] !== FORMAT_VERSION) throw malformed(`unknown format version ${field[0]}`)
  let headerLength: number
  let reference: DataKeyReference
  if (field[1] === KEY_IN_ITEM) {
    headerLength = 2 + DATA_KEY_ID_BYTES
    if (field.length < headerLength) throw malformed('too short')
    reference = { kind: KEY_IN_ITEM, id: field.subarray(2, headerLength) }
  } else if (field[1] === KEY_INLINE) {
    if (field.length < 4) throw malformed('too short')
    headerLength = 4 + field.readUInt16BE(2)
    if (field.length < headerLength) throw malformed('too short')
    reference = { kind: KEY_INLINE, encryptedKey: field.subarray(4, headerLength) }
  } else {
    throw malformed(`unknown key reference kind ${field[1]}`)
  }
  if (field.length < headerLength + IV_BYTES + TAG_BYTES) throw malformed('too short')
  return {
    header: field.subarray(0, headerLength),
    reference,
    iv: field.subarray(headerLength, headerLength + IV_BYTES),
    ciphertext: field.subarray(headerLength + IV_BYTES, field.length - TAG_BYTES),
    tag: field.subarray(field.length - TAG_BYTES),
  }
}

export interface SealInput {
  dataKey: Buffer
  iv: Buffer
  header: Buffer
  aad: Buffer
  plaintext: Buffer
}

/** AES-256-GCM over the encoded value; the IV is given so test vectors can fix it. */
export function sealField({ dataKey, iv, header, aad, plaintext }: SealInput): Buffer {
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv, { authTagLength: TAG_BYTES })
  cipher.setAAD(aad)
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return Buffer.concat([header, iv, ciphertext, cipher.getAuthTag()])
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
