// The record's key: partner, operation and the client's idempotency key, so two partners or two
// endpoints never share a record even when their clients pick the same key.
import { MAX_PARTITION_KEY_BYTES } from '@dynamorm/core'
import { keyInvalid } from './errors.ts'

/** 1 to 255 printable ASCII characters (space through tilde), as most payment APIs accept. */
const VALID_KEY = /^[\x20-\x7e]{1,255}$/

export function assertValidKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') {
    throw keyInvalid(`The idempotency key must be a string, not a ${typeof key}`)
  }
  if (!VALID_KEY.test(key)) {
    throw keyInvalid(
      'The idempotency key must be 1 to 255 printable ASCII characters',
      // The length is safe to report; the key itself may hold anything, so it is not echoed.
      { details: { length: key.length } },
    )
  }
}

// '#' separates the parts and '%' escapes; only the last part (the client's key) may hold a raw '#',
// which keeps the join unambiguous: partner 'a#b' + operation 'x' never meets partner 'a' + 'b#x'.
const escapePart = (part: string): string => part.replaceAll('%', '%25').replaceAll('#', '%23')

/** `partnerId#operation#idempotencyKey` (partner empty for single-tenant handlers). */
export function recordKey(partnerId: string | undefined, operation: string, key: string): string {
  const scoped = `${escapePart(partnerId ?? '')}#${escapePart(operation)}#${key}`
  const bytes = Buffer.byteLength(scoped)
  if (bytes > MAX_PARTITION_KEY_BYTES) {
    throw keyInvalid(
      `The idempotency key with its partner and operation takes ${bytes} bytes; a DynamoDB key holds ${MAX_PARTITION_KEY_BYTES}`,
      { details: { bytes } },
    )
  }
  return scoped
}
