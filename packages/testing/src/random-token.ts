import { randomBytes } from 'node:crypto'

const upperAlphanumeric = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'

/** Random upper-case letters and digits, the alphabet of AWS key and principal ids. */
export function randomUpperAlphanumeric(length: number): string {
  const bytes = randomBytes(length)
  let result = ''
  for (const byte of bytes) result += upperAlphanumeric[byte % upperAlphanumeric.length]
  return result
}
