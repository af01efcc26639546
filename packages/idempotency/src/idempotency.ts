// The idempotency() middleware. before: take the lock (or replay / refuse); after: queue the completion
// in the request's unit of work; onError: release the lock, and only if this invocation owns it.
import { randomUUID } from 'node:crypto'
import { type Db, type DynamormError, isDynamormError } from '@dynamorm/core'
import type { MiddlewareObj, Request } from '@middy/core'
import type { Context } from 'aws-lambda'
import { acquire } from './acquire.ts'
import {
  COMPLETION_LABEL,
  completionPut,
  completionWrite,
  type HeldLock,
  RELEASE_LABEL,
  releaseDelete,
  releaseQuietly,
  releaseWrite,
  sendCompletion,
} from './completion.ts'
import type { IdempotencyContext, OptionalIdempotencyContext } from './context.ts'
import { keyMissing, leaseLost, misconfigured } from './errors.ts'
import { defaultPayload } from './event-payload.ts'
import { fingerprint } from './fingerprint.ts'
import { bareResultStatus, headerValue, httpErrorResult, httpOperation, isHttpEvent } from './http-event.ts'
import { heldLock, type LockRequest } from './lock.ts'
import type { IdempotencyOptions } from './options.ts'
import { storesOutcome } from './outcome-rule.ts'
import { publicRecord, RECORD_ATTRIBUTES } from './record.ts'
import { assertValidKey, recordKey } from './record-key.ts'
import { replayResponse } from './replay.ts'
import { decodeResponse, encodeResponse } from './stored-response.ts'

export const defaults = {
  table: 'idempotency',
  partitionKey: 'pk',
  sortKey: undefined as string | undefined,
  ttlAttribute: 'expiresAt',
  ttlSeconds: 86_400,
  header: 'Idempotency-Key',
  required: true,
  leaseMs: 30_000,
  leaseMarginMs: 0,
  onExpiredLease: 'report' as 'report' | 'reexecute',
  compressAboveBytes: 4096,
  maxResponseBytes: 350 * 1024,
  httpResponses: true,
  completion: 'auto' as 'auto' | 'unit-of-work',
}

/** What the request's other middlewares put on the context: the request's Db, the partner's if any. */
interface DbContext {
  db?: Db
  partner?: { id?: string; db?: Db }
}

/** Per-request state, frozen in `before` and never recomputed (a handler that mutates its event changes nothing). */
interface RequestState {
  db: Db
  http: boolean
  /** What API Gateway answers a result without a statusCode with (undefined for non-HTTP events). */
  bareStatus: number | undefined
  /** The lock while this invocation holds it. */
  owned: HeldLock | undefined
}

export function idempotency<TEvent = unknown, TResult = unknown>(
  options: IdempotencyOptions<TEvent, TResult> & { required: false },
): MiddlewareObj<TEvent, TResult, Error, Context & OptionalIdempotencyContext>
export function idempotency<TEvent = unknown, TResult = unknown>(
  options?: IdempotencyOptions<TEvent, TResult>,
): MiddlewareObj<TEvent, TResult, Error, Context & IdempotencyContext>
export function idempotency<TEvent = unknown, TResult = unknown>(
  options: IdempotencyOptions<TEvent, TResult> = {},
): MiddlewareObj<TEvent, TResult, Error, Context & IdempotencyContext> {
  const config = { ...defaults, ...options }
  assertPositive('ttlSeconds', config.ttlSeconds)
  assertPositive('leaseMs', config.leaseMs)
  assertPositive('maxResponseBytes', config.maxResponseBytes)
  // A negative margin would stretch the lease past the Lambda's deadline.
  if (!(config.leaseMarginMs >= 0)) {
    throw misconfigured(`idempotency(): leaseMarginMs must be 0 or more, not ${config.leaseMarginMs}`)
  }
  assertOwnNames(config)
  const states = new WeakMap<object, RequestState>()
  type IdempotencyRequestArg = Request<TEvent, TResult, Error, Context & IdempotencyContext>

  // The middleware's refusals: an API Gateway result for HTTP events (so a caller sees 409, not 500),
  // a thrown typed error otherwise.
  const refuse = (
    request: IdempotencyRequestArg,
    http: boolean,
    error: DynamormError & { retryAfterSeconds?: number },
    retryAfterSeconds = error.retryAfterSeconds,
  ) => {
    if (!(http && config.httpResponses)) throw error
    request.earlyResponse = httpErrorResult(error, retryAfterSeconds) as TResult
  }

  const encode = (response: unknown) => encodeResponse(response, config)

  async function idempotencyBefore(request: IdempotencyRequestArg): Promise<void> {
    const { event, context } = request
    const scope = context as unknown as DbContext
    const db = scope.partner?.db ?? scope.db
    if (db === undefined) {
      throw misconfigured(
        'idempotency() needs context.db: use dynamoClient() (and partnerContext()) before it',
      )
    }
    const http = isHttpEvent(event)
    const key = config.key ? config.key(event, context) : headerValue(event, config.header)
    // null counts as no key too: extractors reading parsed JSON get null for an absent field.
    if (key === undefined || key === null) {
      // Names where the key was looked for: the header, or (with a key extractor) the request or event.
      const missing = config.key
        ? `This operation needs an idempotency key, and the ${http ? 'request' : 'event'} carries none`
        : `This operation needs an idempotency key in the ${config.header} header`
      if (config.required) refuse(request, http, keyMissing(missing))
      return
    }
    const operation =
      typeof config.operation === 'function'
        ? config.operation(event, context)
        : (config.operation ?? (http ? httpOperation(event) : context.functionName))
    let scopedKey: string
    let payloadFingerprint: string
    try {
      assertValidKey(key)
      scopedKey = recordKey(scope.partner?.id, operation, key)
      payloadFingerprint = fingerprint(
        config.payload ? config.payload(event, context) : defaultPayload(event, http),
      )
    } catch (error) {
      if (!isDynamormError(error)) throw error
      return refuse(request, http, error)
    }
    const remaining = context.getRemainingTimeInMillis?.() ?? config.leaseMs
    const lock: LockRequest = {
      table: {
        tableName: db.tableName(config.table),
        partitionKey: config.partitionKey,
        sortKey: config.sortKey,
        ttlAttribute: config.ttlAttribute,
      },
      recordKey: scopedKey,
      fingerprint: payloadFingerprint,
      ownerToken: randomUUID(),
      requestId: context.awsRequestId,
      nowMs: Date.now(),
      // Never past the Lambda's own deadline: after it, nobody can still be working under this lease.
      leaseMs: Math.max(1, Math.min(config.leaseMs, remaining - config.leaseMarginMs)),
      ttlSeconds: config.ttlSeconds,
      takeOverExpiredLease: config.onExpiredLease === 'reexecute',
    }

    const reconcile = config.reconcile && config.onExpiredLease === 'report' ? config.reconcile : undefined
    const outcome = await acquire(
      db,
      lock,
      reconcile && ((record) => reconcile(record, event, context)),
      encode,
    )
    if (outcome.kind === 'refused') return refuse(request, http, outcome.error, outcome.retryAfterSeconds)

    const acquired = outcome.kind === 'acquired'
    context.idempotency = {
      key,
      recordKey: lock.recordKey,
      fingerprint: payloadFingerprint,
      replayed: !acquired,
      leaseExpiresAt: acquired ? lock.nowMs + lock.leaseMs : undefined,
      takeover: acquired && outcome.previous ? publicRecord(outcome.previous, lock.table) : undefined,
    }
    // The lock itself is what completion and release are fenced on.
    if (acquired)
      states.set(request, { db, http, bareStatus: bareResultStatus(event), owned: heldLock(lock) })
    else {
      const { responseEncoding, response } = outcome.record
      request.earlyResponse = replayResponse(decodeResponse(responseEncoding, response), http) as TResult
    }
  }

  async function idempotencyAfter(request: IdempotencyRequestArg): Promise<void> {
    const state = states.get(request)
    if (state?.owned === undefined) return
    const { owned, db } = state
    const response = request.response
    const stores = config.storeResponse
      ? config.storeResponse(response as TResult)
      : storesOutcome(response, state.bareStatus)
    // A response that cannot be stored throws here, and onError releases the lock.
    const write = stores
      ? completionWrite(completionPut(owned, encode(response), Date.now(), config.ttlSeconds))
      : releaseWrite(releaseDelete(owned))
    // Queued, not sent, when the request has other writes: dynamoClient commits them with the handler's
    // writes and the audit entries, so the outcome is recorded exactly when the work it describes lands.
    if (config.completion === 'unit-of-work' || db.unitOfWork.size > 0) {
      // Its failed condition fails the whole commit as this invocation's lease lost, for every onError.
      db.unitOfWork.add(write, {
        label: stores ? COMPLETION_LABEL : RELEASE_LABEL,
        conditionFailed: leaseLost,
      })
      return
    }
    // Nothing else to commit: one plain conditional write is just as atomic, costs half the write
    // capacity of a one-item transaction and answers sooner.
    if (write.Put) {
      try {
        await sendCompletion(db, owned, write.Put)
      } catch (error) {
        // The handler answered and whatever it did (a direct write, a call to the payment provider) has
        // happened; only its record is missing. Released, the lock would let a retry do it again: it
        // stays, as after a crash here, until its lease ends and a retry meets the outcome unknown.
        if (!lostLease(error)) state.owned = undefined
        throw error
      }
    } else await releaseQuietly(db, owned)
    state.owned = undefined
  }

  async function idempotencyOnError(request: IdempotencyRequestArg): Promise<void> {
    const state = states.get(request)
    // Only the owner acts: a duplicate, a mismatch or a failed lock never touches the record.
    if (state?.owned === undefined) return
    const { owned, db, http } = state
    state.owned = undefined
    const error = request.error
    if (!lostLease(error)) {
      // Middy's early timeout leaves the handler running: it may still charge, so the lock stays until
      // its lease (never past the deadline) ends and a retry meets outcome unknown, not a second run.
      if ((error as Error | undefined)?.name === 'TimeoutError') return
      return releaseQuietly(db, owned)
    }
    if (http && config.httpResponses) request.earlyResponse = httpErrorResult(error) as TResult
  }

  return {
    name: 'idempotency',
    before: idempotencyBefore,
    after: idempotencyAfter,
    onError: idempotencyOnError,
  }
}

/** A key or TTL attribute named like a record attribute would be overwritten in the item. */
function assertOwnNames(names: {
  partitionKey: string
  sortKey: string | undefined
  ttlAttribute: string
}): void {
  const { partitionKey, sortKey, ttlAttribute } = names
  for (const [option, name] of Object.entries({ partitionKey, sortKey, ttlAttribute })) {
    if (name !== undefined && RECORD_ATTRIBUTES.has(name)) {
      throw misconfigured(`idempotency(): ${option} '${name}' is an attribute the record itself writes`)
    }
  }
  if (new Set([partitionKey, sortKey, ttlAttribute]).size < 3) {
    throw misconfigured(
      'idempotency(): partitionKey, sortKey and ttlAttribute must name different attributes',
    )
  }
}

function assertPositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw misconfigured(`idempotency(): ${name} must be a positive number, not ${value}`)
  }
}

/**
 * Whether a failure means this invocation no longer owns the lock: its direct completion's, or a commit
 * cancelled by its completion's or release's failed owner-token condition (mapped by the unit of work).
 */
const lostLease = (error: unknown): error is DynamormError =>
  isDynamormError(error, 'IdempotencyLeaseLostError')
