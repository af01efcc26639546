// Additional authenticated data: what a field is bound to, so a ciphertext copied to another row,
// attribute or table fails authentication instead of decrypting there. Layout: README "AAD".
import type { AttributeMap } from '@dynamorm/core'
import { ValidationError } from '@dynamorm/core'
import { canonicalAttributeValue, u32 } from './attribute-codec.ts'

const lengthPrefixed = (bytes: Uint8Array) => [u32(bytes.length), bytes]

/** The canonical key: attributes sorted by name, each as u32-length name then canonical value. */
export function canonicalKey(key: AttributeMap): Buffer {
  const names = Object.keys(key).map((name) => Buffer.from(name, 'utf8'))
  if (names.length === 0)
    throw new ValidationError('An encrypted item needs its primary key to bind fields to')
  names.sort(Buffer.compare)
  return Buffer.concat([
    u32(names.length),
    ...names.flatMap((name) => [
      ...lengthPrefixed(name),
      ...lengthPrefixed(canonicalAttributeValue(key[name.toString('utf8')]!)),
    ]),
  ])
}

/** header | u32 len + physical table name | canonical key | u32 len + attribute name. */
export function fieldAad(header: Buffer, table: string, canonical: Buffer, attribute: string): Buffer {
  return Buffer.concat([
    header,
    ...lengthPrefixed(Buffer.from(table, 'utf8')),
    canonical,
    ...lengthPrefixed(Buffer.from(attribute, 'utf8')),
  ])
}
