// The middleware's options: every one optional, defaults in idempotency.ts and the README.
import type { Context } from 'aws-lambda'
import type { IdempotencyRecord } from './record.ts'

/**
 * What the reconcile hook decides about a lease that ended without an outcome:
 * - `'report'`: still unknown; the retry gets IdempotencyOutcomeUnknownError (409).
 * - `'reexecute'`: the operation did not happen; take the lock over (fenced) and run the handler.
 * - `{ complete: response }`: it did happen; store this response as the outcome and replay it.
 */
export type Reconciliation<TResult> = 'report' | 'reexecute' | { complete: TResult }

export interface IdempotencyOptions<TEvent = unknown, TResult = unknown> {
  /** Logical name of the records' table, resolved with `db.tableName()` (default `'idempotency'`). */
  table?: string
  /** Partition key attribute of that table (default `'pk'`). */
  partitionKey?: string
  /** Sort key attribute, for a table that has one; records use the value `'idempotency'` (default none). */
  sortKey?: string
  /** The table's TTL attribute, epoch seconds (default `'expiresAt'`). */
  ttlAttribute?: string
  /** How long records live (default 86400 = 24 h). */
  ttlSeconds?: number
  /** Header carrying the key, matched case-insensitively (default `'Idempotency-Key'`). */
  header?: string
  /**
   * Reads the key from the event instead of the header (SQS, EventBridge, or anything custom);
   * undefined or null means the event carries none.
   */
  key?: (event: TEvent, context: Context) => string | null | undefined
  /** A request without a key: 400 (default `true`) or, with `false`, handled without idempotency. */
  required?: boolean
  /**
   * The operation keys are scoped by (default: `'METHOD /path'` for HTTP events, the function name for
   * others).
   */
  operation?: string | ((event: TEvent, context: Context) => string)
  /**
   * The part of the event that is fingerprinted. Default, by event shape: the parsed body of HTTP events;
   * each record's body and message attribute values of SQS events (or of one SQS record); `source`,
   * `detail-type` and `detail` of EventBridge events; any other event whole (give a selector when it holds
   * anything that differs between deliveries).
   */
  payload?: (event: TEvent, context: Context) => unknown
  /** Longest lease (default 30000 ms); the lease never runs past the Lambda's remaining time. */
  leaseMs?: number
  /** Kept off the remaining time when sizing the lease (default 0 ms). */
  leaseMarginMs?: number
  /**
   * A retry meeting a lease that ended without an outcome (its holder crashed or timed out): `'report'`
   * answers IdempotencyOutcomeUnknownError unless `reconcile` decides (default, for payments); `'reexecute'`
   * takes the lock over and runs the handler again.
   */
  onExpiredLease?: 'report' | 'reexecute'
  /** With `onExpiredLease: 'report'`: decides what an expired lease means (ask the payment provider). */
  reconcile?: (record: IdempotencyRecord, event: TEvent, context: Context) => Promise<Reconciliation<TResult>>
  /**
   * Whether a response is stored as the outcome. Default: results without a `statusCode` (non-HTTP
   * handlers, bare values an HTTP API answers as 200) and HTTP 2xx, 3xx and 4xx except 408, 409, 425 and
   * 429; released: those four, 5xx, 1xx, non-status values and bare values of REST API events (answered
   * 502). A response not stored releases the lock; a thrown error does too (Middy's early timeout aside).
   */
  storeResponse?: (response: TResult) => boolean
  /** Responses larger than this are stored brotli-compressed (default 4096 bytes). */
  compressAboveBytes?: number
  /** Largest stored response after compression; larger ones fail the request (default 358400 = 350 KB). */
  maxResponseBytes?: number
  /**
   * HTTP events get the middleware's refusals (400, 409, 422, 429, 503) as API Gateway results with a
   * JSON error body (default `true`); with `false` they are thrown as typed errors, as for other events.
   */
  httpResponses?: boolean
  /**
   * How the completion (or release) is written: `'auto'` (default) queues it in the request's unit of
   * work when the request queued other writes, so all commit together, and sends it as one conditional
   * PutItem (DeleteItem for a release) when nothing else is queued; `'unit-of-work'` always queues it
   * (for middlewares placed before idempotency() that queue writes in their own `after`).
   */
  completion?: 'auto' | 'unit-of-work'
}
