// Additional authenticated data: what a field is bound to, so a ciphertext copied to another row,
// attribute or table fails authentication instead of decrypting there. Layout: README "AAD".
import type { AttributeMap } from '@dynamorm/core'
import { ValidationError } from '@dynamorm/core'
import { canonicalAttributeValue } from './attribute-codec.ts'

export interface FieldBinding {
  /** Physical table name (or what `bindingTable` maps it to). */
  table: string
  /** The item's primary key, marshalled. */
  key: AttributeMap
  /** The encrypted attribute's name. */
  attribute: string
}

function lengthPrefixed(bytes: Uint8Array): Buffer {
  const length = Buffer.allocUnsafe(4)
  length.writeUInt32BE(bytes.length)
  return Buffer.concat([length, bytes])
}

/** The canonical key: attributes sorted by name, each as u32-length name then canonical value. */
export function canonicalKey(key: AttributeMap): Buffer {
  const names = Object.keys(key).map((name) => Buffer.from(name, 'utf8'))
  if (names.length === 0)
    throw new ValidationError('An encrypted item needs its primary key to bind fields to')
  names.sort(Buffer.compare)
  const count = Buffer.allocUnsafe(4)
  count.writeUInt32BE(names.length)
  const parts: Buffer[] = [count]
  for (const name of names) {
    parts.push(lengthPrefixed(name), lengthPrefixed(canonicalAttributeValue(key[name.toString('utf8')]!)))
  }
  return Buffer.concat(parts)
}

/** header | u32 len + table | canonical key | u32 len + attribute name. */
export function fieldAad(
  header: Buffer,
  binding: FieldBinding,
  encodedKey = canonicalKey(binding.key),
): Buffer {
  return Buffer.concat([
    header,
    lengthPrefixed(Buffer.from(binding.table, 'utf8')),
    encodedKey,
    lengthPrefixed(Buffer.from(binding.attribute, 'utf8')),
  ])
}
