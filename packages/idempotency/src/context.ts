// What the middleware puts on the handler's context.
import type { IdempotencyRecord } from './record.ts'

export interface IdempotencyRequest {
  /** The client's idempotency key, as received. */
  readonly key: string
  /** The record's key: `partnerId#operation#key`. */
  readonly recordKey: string
  /** Hex SHA-256 of the payload's canonical JSON, frozen before the handler ran. */
  readonly fingerprint: string
  /** True when the response was replayed from a completed record (the handler did not run). */
  readonly replayed: boolean
  /** When this invocation's lease ends (epoch ms); undefined on a replay. */
  readonly leaseExpiresAt: number | undefined
  /**
   * The expired lease this invocation took over (its holder stopped without an outcome): a payment
   * handler should check with its provider whether that attempt went through before acting again.
   */
  readonly takeover: IdempotencyRecord | undefined
}

export interface IdempotencyContext {
  idempotency: IdempotencyRequest
}

/** The context with `required: false`: no key, no idempotency. */
export interface OptionalIdempotencyContext {
  idempotency?: IdempotencyRequest
}
