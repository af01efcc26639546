// The idempotency middleware's failures: each has a stable `name` and an HTTP status, so a caller
// (or the middleware itself, for HTTP events) can answer without looking at messages.
import { DynamormError, type DynamormErrorOptions } from '@dynamorm/core'

/** The request needs an idempotency key and has none. */
export class IdempotencyKeyMissingError extends DynamormError {
  constructor(message = 'This operation needs an idempotency key', options?: DynamormErrorOptions) {
    super('IdempotencyKeyMissingError', 400, message, options)
  }
}

/** The idempotency key is empty, longer than 255 characters or holds non-printable characters. */
export class IdempotencyKeyInvalidError extends DynamormError {
  constructor(message: string, options?: DynamormErrorOptions) {
    super('IdempotencyKeyInvalidError', 400, message, options)
  }
}

/** The payload cannot be fingerprinted: it holds values JSON cannot carry (bigint, NaN, Map, cycles...). */
export class IdempotencyPayloadInvalidError extends DynamormError {
  constructor(message: string, options?: DynamormErrorOptions) {
    super('IdempotencyPayloadInvalidError', 400, message, options)
  }
}

/** Another invocation holds the lock for this key and its lease is still running. */
export class IdempotencyInFlightError extends DynamormError {
  /** Seconds until the running invocation's lease ends (at least 1). */
  readonly retryAfterSeconds: number
  constructor(retryAfterSeconds: number, options?: DynamormErrorOptions) {
    super(
      'IdempotencyInFlightError',
      409,
      'A request with this idempotency key is still being processed; retry later',
      options,
    )
    this.retryAfterSeconds = retryAfterSeconds
  }
}

/** The key was used before with a different payload. */
export class IdempotencyPayloadMismatchError extends DynamormError {
  constructor(options?: DynamormErrorOptions) {
    super(
      'IdempotencyPayloadMismatchError',
      422,
      'This idempotency key was already used with a different request payload',
      options,
    )
  }
}

/**
 * An earlier invocation took the lock and its lease ended without a recorded outcome (it crashed or
 * timed out after perhaps acting): the operation may or may not have happened, so it is not re-run blindly.
 */
export class IdempotencyOutcomeUnknownError extends DynamormError {
  constructor(options?: DynamormErrorOptions) {
    super(
      'IdempotencyOutcomeUnknownError',
      409,
      'An earlier request with this idempotency key stopped before recording its outcome; it needs reconciliation',
      options,
    )
  }
}

/**
 * This invocation no longer owns the lock (its lease expired and another invocation took over, or the
 * record is gone): it can neither complete nor release the record, and its writes were not committed.
 */
export class IdempotencyLeaseLostError extends DynamormError {
  constructor(options?: DynamormErrorOptions) {
    super(
      'IdempotencyLeaseLostError',
      409,
      'The idempotency lease expired and another request took over; this request was not committed',
      options,
    )
  }
}

/** The handler's response cannot be stored: not JSON-serialisable, or too large even compressed. */
export class IdempotencyResponseNotStorableError extends DynamormError {
  constructor(message: string, options?: DynamormErrorOptions) {
    super('IdempotencyResponseNotStorableError', 500, message, options)
  }
}

/** The middleware is used without what it needs (no context.db, a bad option). */
export class IdempotencyConfigurationError extends DynamormError {
  constructor(message: string, options?: DynamormErrorOptions) {
    super('IdempotencyConfigurationError', 500, message, options)
  }
}
