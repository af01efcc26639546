// The request's fingerprint: SHA-256 of core's canonical JSON, so the same payload always gives the
// same digest however its keys were ordered, and a different payload never passes for it.
import { createHash } from 'node:crypto'
import { canonicalJson as coreCanonicalJson, isDynamormError } from '@dynamorm/core'
import { payloadInvalid } from './errors.ts'

/**
 * Canonical JSON (`canonicalJson` of @dynamorm/core): object keys sorted by UTF-16 code units
 * (`Array.prototype.sort`'s default order, exact and case-sensitive, so `{A:1,a:2}` and `{a:2,A:1}`
 * encode the same), arrays in order, numbers as JSON writes them. Values JSON cannot carry faithfully
 * are an IdempotencyPayloadInvalidError (400) rather than silently dropped (two different Maps would
 * otherwise both encode as `{}`).
 */
export function canonicalJson(value: unknown): string {
  try {
    return coreCanonicalJson(value)
  } catch (error) {
    if (!isDynamormError(error, 'ValidationError')) throw error
    const { path, reason } = error.details as { path: string; reason: string }
    throw payloadInvalid(`The request payload cannot be fingerprinted: ${path}: ${reason}`, { cause: error })
  }
}

/** Hex SHA-256 of the payload's canonical JSON; `undefined` (no payload) fingerprints as `null`. */
export function fingerprint(payload: unknown): string {
  return createHash('sha256')
    .update(payload === undefined ? 'null' : canonicalJson(payload))
    .digest('hex')
}
