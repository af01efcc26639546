// Every DynamORM failure has a stable `name` and an HTTP status. Callers match on `name`
// (isDynamormError), never on instanceof: two copies of the package must still agree.

export interface DynamormErrorOptions {
  cause?: unknown
  details?: Record<string, unknown>
}

const BRAND = Symbol.for('dynamorm.error')

export class DynamormError extends Error {
  readonly status: number
  readonly details: Record<string, unknown>
  readonly [BRAND] = true

  constructor(name: string, status: number, message: string, options: DynamormErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = name
    this.status = status
    this.details = options.details ?? {}
  }
}

export function isDynamormError(error: unknown, name?: string): error is DynamormError {
  if (typeof error !== 'object' || error === null || !(BRAND in error)) return false
  return name === undefined || (error as unknown as Error).name === name
}

export class ValidationError extends DynamormError {
  constructor(message: string, options?: DynamormErrorOptions) {
    super('ValidationError', 400, message, options)
  }
}

export class ItemTooLargeError extends DynamormError {
  constructor(sizeBytes: number, options?: DynamormErrorOptions) {
    super('ItemTooLargeError', 400, `Item is ${sizeBytes} bytes; DynamoDB's limit is 409600 bytes`, {
      ...options,
      details: { sizeBytes, ...options?.details },
    })
  }
}

/**
 * The item a refused write met, on the error and in `details.item`, for the caller's code, but not
 * enumerable: it is decoded (encrypted fields in plaintext), and a logger that serialises the error
 * must not write it out.
 */
function attachItem(error: DynamormError, item: Record<string, unknown> | undefined): void {
  Object.defineProperty(error, 'item', { value: item, enumerable: false })
  if ('item' in error.details) {
    Object.defineProperty(error.details, 'item', { value: error.details.item, enumerable: false })
  }
}

/** A write's condition did not hold; `item` is the item as it was (ReturnValuesOnConditionCheckFailure ALL_OLD). */
export class ConditionFailedError extends DynamormError {
  declare readonly item: Record<string, unknown> | undefined
  constructor(message: string, item: Record<string, unknown> | undefined, options?: DynamormErrorOptions) {
    super('ConditionFailedError', 409, message, options)
    attachItem(this, item)
  }
}

export class OptimisticLockError extends DynamormError {
  declare readonly item: Record<string, unknown> | undefined
  constructor(message: string, item: Record<string, unknown> | undefined, options?: DynamormErrorOptions) {
    super('OptimisticLockError', 412, message, options)
    attachItem(this, item)
  }
}

export class NotFoundError extends DynamormError {
  constructor(message: string, options?: DynamormErrorOptions) {
    super('NotFoundError', 404, message, options)
  }
}

export class ThrottledError extends DynamormError {
  constructor(message: string, options?: DynamormErrorOptions) {
    super('ThrottledError', 429, message, options)
  }
}

export interface CancellationReason {
  /** Position of the item in the transaction. */
  index: number
  code: string
  message?: string
  /** The old item, when DynamoDB returned it (ALL_OLD on a failed condition). */
  item?: Record<string, unknown>
  /** Table and key of the item that failed, for the caller's error report. */
  table?: string
  key?: Record<string, unknown>
  /** The label the write was queued under in the unit of work, if any. */
  label?: string | undefined
}

export class TransactionCancelledError extends DynamormError {
  readonly reasons: CancellationReason[]
  constructor(reasons: CancellationReason[], options?: DynamormErrorOptions) {
    const failed = reasons.filter((reason) => reason.code !== 'None')
    const summary = failed.map((reason) => `#${reason.index} ${reason.code}`).join(', ')
    super('TransactionCancelledError', 409, `Transaction cancelled: ${summary || 'unknown reason'}`, options)
    this.reasons = reasons
  }
}

export class TransactionTooLargeError extends DynamormError {
  constructor(itemCount: number, options?: DynamormErrorOptions) {
    super(
      'TransactionTooLargeError',
      500,
      `A transaction holds at most 100 items; this one has ${itemCount}. Nothing was sent.`,
      { ...options, details: { itemCount, ...options?.details } },
    )
  }
}

export class CrossAccountTransactionError extends DynamormError {
  constructor(options?: DynamormErrorOptions) {
    super(
      'CrossAccountTransactionError',
      500,
      'A unit of work can only commit through one DynamoDB client (one account); it holds writes for two. Nothing was sent.',
      options,
    )
  }
}

/**
 * A batch's writes or keys on its error, for the caller to resend, but not enumerable: they hold item
 * values, and a logger that serialises the error must not write them out.
 */
function attachUnprocessed(error: DynamormError, unprocessed: unknown[]): void {
  Object.defineProperty(error, 'unprocessed', { value: unprocessed, enumerable: false })
}

export class UnprocessedItemsError extends DynamormError {
  declare readonly unprocessed: unknown[]
  constructor(message: string, unprocessed: unknown[], options?: DynamormErrorOptions) {
    super('UnprocessedItemsError', 503, message, options)
    attachUnprocessed(this, unprocessed)
  }
}

/**
 * A batch stopped midway by a failure that is not throttling (an item DynamoDB refused, DynamoDB or the
 * network down, the request's deadline): `unprocessed` holds every write or key not confirmed (some
 * may have landed; resend them, not the whole batch), `cause` the failure, and `status` is the cause's.
 */
export class BatchInterruptedError extends DynamormError {
  declare readonly unprocessed: unknown[]
  constructor(message: string, unprocessed: unknown[], options: DynamormErrorOptions & { cause: unknown }) {
    const cause = options.cause instanceof Error ? options.cause.name : 'an error'
    super(
      'BatchInterruptedError',
      isDynamormError(options.cause) ? options.cause.status : 500,
      `${message} (stopped by ${cause})`,
      options,
    )
    attachUnprocessed(this, unprocessed)
  }
}

/**
 * The caller aborted the call through its AbortSignal (e.g. the request's deadline). 503 like an
 * unreachable service, but a write's outcome is unknown: it may have landed. Retry it with the same
 * condition or ClientRequestToken, or read before acting on it.
 */
export class RequestAbortedError extends DynamormError {
  constructor(message: string, options?: DynamormErrorOptions) {
    super('RequestAbortedError', 503, message, options)
  }
}

export class ServiceUnavailableError extends DynamormError {
  constructor(message: string, options?: DynamormErrorOptions) {
    super('ServiceUnavailableError', 503, message, options)
  }
}
