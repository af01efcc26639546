// Taking the lock: ONE conditional PutItem. A duplicate's failed condition returns the record it met
// (ReturnValuesOnConditionCheckFailure ALL_OLD), so deciding replay / 409 / 422 costs no extra read.
import { PutItemCommand, type PutItemCommandInput } from '@aws-sdk/client-dynamodb'
import { type Db, type DynamormError, isDynamormError, marshallItem, unmarshallItem } from '@dynamorm/core'
import type { HeldLock, OwnedRecord } from './completion.ts'
import { inFlight, misconfigured, outcomeUnknown, payloadMismatch } from './errors.ts'
import { isRecord, publicRecord, recordItemKey, type StoredRecord } from './record.ts'

export interface LockRequest extends OwnedRecord {
  fingerprint: string
  requestId: string | undefined
  nowMs: number
  leaseMs: number
  ttlSeconds: number
  /** Whether an IN_PROGRESS record whose lease ended (same fingerprint) may be taken over. */
  takeOverExpiredLease: boolean
}

export type LockOutcome =
  /** The lock is ours; `previous` is the expired lease we took over, if any. */
  | { kind: 'acquired'; previous: StoredRecord | undefined }
  /** A completed record for this payload: its response is replayed. */
  | { kind: 'completed'; record: StoredRecord }
  /**
   * Another payload (422), a running lease (409 + Retry-After) or a lease that ended without an outcome
   * (409: the earlier invocation may or may not have acted); `record` is the one met. Or core's 429 / 503,
   * retried after `retryAfterSeconds`.
   */
  | { kind: 'refused'; error: DynamormError; record?: StoredRecord; retryAfterSeconds?: number }
  /** The condition failed on no item at all (a fenced takeover whose record was released meanwhile). */
  | { kind: 'absent' }

export const seconds = (ms: number): number => Math.floor(ms / 1000)

/** The lock this request's PutItem wrote, as its completion writes it again. */
export const heldLock = (lock: LockRequest): HeldLock => ({
  table: lock.table,
  recordKey: lock.recordKey,
  ownerToken: lock.ownerToken,
  fingerprint: lock.fingerprint,
  lockedAt: lock.nowMs,
  requestId: lock.requestId,
})

/** A PutItem of the lock: IN_PROGRESS, owned by this invocation until its lease ends, if `condition` holds. */
function lockPut(
  lock: LockRequest,
  condition: string,
  names: Record<string, string>,
  values: Record<string, unknown>,
): PutItemCommandInput {
  return {
    TableName: lock.table.tableName,
    Item: marshallItem({
      ...recordItemKey(lock.table, lock.recordKey),
      status: 'IN_PROGRESS',
      ownerToken: lock.ownerToken,
      fingerprint: lock.fingerprint,
      lockedAt: lock.nowMs,
      leaseExpiresAt: lock.nowMs + lock.leaseMs,
      // Never before the lease ends: an expired record counts as free, and its owner may still be working.
      [lock.table.ttlAttribute]: Math.max(
        seconds(lock.nowMs) + lock.ttlSeconds,
        Math.ceil((lock.nowMs + lock.leaseMs) / 1000),
      ),
      requestId: lock.requestId,
    }),
    ConditionExpression: condition,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: marshallItem(values),
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  }
}

// No record, or one whose TTL passed (DynamoDB deletes expired items late, so expired counts as absent).
const FREE = 'attribute_not_exists(#pk) OR #expiresAt < :nowSeconds'

/**
 * The lock's PutItem (pure, no network). It succeeds when no live record exists or, when the policy
 * allows, over an IN_PROGRESS record for the same payload whose lease ended.
 */
export function lockInput(lock: LockRequest): PutItemCommandInput {
  const names = { '#pk': lock.table.partitionKey, '#expiresAt': lock.table.ttlAttribute }
  const values = { ':nowSeconds': seconds(lock.nowMs) }
  if (!lock.takeOverExpiredLease) return lockPut(lock, FREE, names, values)
  const input = lockPut(
    lock,
    `${FREE} OR (#status = :inProgress AND leaseExpiresAt < :nowMs AND fingerprint = :fingerprint)`,
    { ...names, '#status': 'status' },
    { ...values, ':inProgress': 'IN_PROGRESS', ':nowMs': lock.nowMs, ':fingerprint': lock.fingerprint },
  )
  // On success, the expired lease taken over (only this condition can replace a live record); free.
  input.ReturnValues = 'ALL_OLD'
  return input
}

/**
 * The takeover of one particular expired lease (after the reconcile hook chose to re-run): fenced on
 * the old owner's token, so of two retries reconciling at once only one wins, and an old owner that
 * completed in the meantime is replayed instead.
 */
export const takeOverInput = (lock: LockRequest, previous: StoredRecord): PutItemCommandInput =>
  lockPut(
    lock,
    'ownerToken = :previousOwner AND #status = :inProgress',
    { '#status': 'status' },
    { ':previousOwner': previous.ownerToken, ':inProgress': 'IN_PROGRESS' },
  )

/** What a record found by a failed lock means for this request (pure). */
export function decide(record: StoredRecord, lock: LockRequest): LockOutcome {
  // A reused key with another payload is refused whatever state the original is in.
  if (record.fingerprint !== lock.fingerprint) return { kind: 'refused', error: payloadMismatch(), record }
  if (record.status === 'COMPLETED') return { kind: 'completed', record }
  // Our own lock: the SDK resent a PutItem whose answer was lost after DynamoDB applied it. Whether that
  // first copy took over an expired lease is not known any more; the lock is ours either way.
  if (record.ownerToken === lock.ownerToken) return { kind: 'acquired', previous: undefined }
  const leaseLeftMs = (record.leaseExpiresAt ?? 0) - lock.nowMs
  const error =
    leaseLeftMs < 0
      ? outcomeUnknown(publicRecord(record, lock.table))
      : inFlight(Math.max(1, Math.ceil(leaseLeftMs / 1000)))
  return { kind: 'refused', error, record }
}

/**
 * Sends a lock PutItem and decides. Throttling and unavailability surface as core's ThrottledError (429)
 * and ServiceUnavailableError (503); nothing else is written.
 */
export async function sendLock(db: Db, lock: LockRequest, input: PutItemCommandInput): Promise<LockOutcome> {
  try {
    const output = await db.send(new PutItemCommand(input))
    const previous = output.Attributes && (unmarshallItem(output.Attributes) as StoredRecord)
    const tookOver =
      previous?.status === 'IN_PROGRESS' &&
      (previous[lock.table.ttlAttribute] as number) >= seconds(lock.nowMs)
    return { kind: 'acquired', previous: tookOver ? previous : undefined }
  } catch (error) {
    if (!isDynamormError(error, 'ConditionFailedError')) throw error
    const item = (error as unknown as { item?: Record<string, unknown> }).item
    if (item === undefined) return { kind: 'absent' }
    if (!isRecord(item)) {
      throw misconfigured(
        `Table ${lock.table.tableName} holds an item under this key that is not an idempotency record`,
      )
    }
    return decide(item, lock)
  }
}
