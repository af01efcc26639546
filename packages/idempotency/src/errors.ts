// The idempotency middleware's failures: each a DynamormError with a stable `name` and an HTTP status, so a
// caller (or the middleware itself, for HTTP events) answers without looking at messages. One error type
// with a name per failure, not a class per failure: check them with `isDynamormError(error, name)`.
import { DynamormError, type DynamormErrorOptions } from '@dynamorm/core'
import type { IdempotencyRecord } from './record.ts'

/** The request needs an idempotency key and has none (400). */
export const keyMissing = (message: string) => new DynamormError('IdempotencyKeyMissingError', 400, message)

/**
 * The idempotency key is empty, longer than 255 characters or holds non-printable characters, or with its
 * partner and operation is too long for a DynamoDB key (400).
 */
export const keyInvalid = (message: string, options?: DynamormErrorOptions) =>
  new DynamormError('IdempotencyKeyInvalidError', 400, message, options)

/** The payload cannot be fingerprinted: it holds values JSON cannot carry (bigint, NaN, Map, cycles...) (400). */
export const payloadInvalid = (message: string, options?: DynamormErrorOptions) =>
  new DynamormError('IdempotencyPayloadInvalidError', 400, message, options)

/** The key was used before with a different payload (422). */
export const payloadMismatch = () =>
  new DynamormError(
    'IdempotencyPayloadMismatchError',
    422,
    'This idempotency key was already used with a different request payload',
  )

/**
 * An earlier invocation took the lock and its lease ended without a recorded outcome (it crashed or timed
 * out after perhaps acting): the operation may or may not have happened, so it is not re-run blindly (409).
 * `details.record` is that lock's public view.
 */
export const outcomeUnknown = (record: IdempotencyRecord) =>
  new DynamormError(
    'IdempotencyOutcomeUnknownError',
    409,
    'An earlier request with this idempotency key stopped before recording its outcome; it needs reconciliation',
    { details: { record } },
  )

/** Another invocation holds the lock and its lease is still running (409); `retryAfterSeconds` is at least 1. */
export const inFlight = (retryAfterSeconds: number): DynamormError & { retryAfterSeconds: number } =>
  Object.assign(
    new DynamormError(
      'IdempotencyInFlightError',
      409,
      'A request with this idempotency key is still being processed; retry later',
    ),
    { retryAfterSeconds },
  )

/**
 * This invocation no longer owns the lock (its lease expired and another invocation took over, or the
 * record is gone): it can neither complete nor release the record, and its writes were not committed (409).
 */
export const leaseLost = (cause: unknown) =>
  new DynamormError(
    'IdempotencyLeaseLostError',
    409,
    'The idempotency lease expired and another request took over; this request was not committed',
    { cause },
  )

/** The handler's response cannot be stored: not JSON-serialisable, or too large even compressed (500). */
export const responseNotStorable = (message: string, options?: DynamormErrorOptions) =>
  new DynamormError('IdempotencyResponseNotStorableError', 500, message, options)

/** The middleware is used without what it needs: no context.db, a bad option, a foreign item (500). */
export const misconfigured = (message: string) =>
  new DynamormError('IdempotencyConfigurationError', 500, message)
