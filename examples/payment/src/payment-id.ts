// Payment and refund ids: `pay_` + 10 characters of milliseconds + 16 random, Crockford base32.
// Time first, so ids sort by creation and an index keyed by id lists payments in time order.
import { randomBytes } from 'node:crypto'

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

function base32(value: bigint, length: number): string {
  let out = ''
  for (let index = 0; index < length; index++) {
    out = ALPHABET[Number(value % 32n)] + out
    value /= 32n
  }
  return out
}

export function newId(prefix: 'pay' | 'ref', nowMs = Date.now()): string {
  const random = BigInt(`0x${randomBytes(10).toString('hex')}`)
  return `${prefix}_${base32(BigInt(nowMs), 10)}${base32(random, 16)}`
}

/** Ids as newId makes them; anything else in a path is a 404 without touching DynamoDB. */
export const ID_PATTERN = /^(pay|ref)_[0-9A-HJKMNP-TV-Z]{26}$/
