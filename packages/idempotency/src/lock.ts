// Taking the lock: ONE conditional PutItem. A duplicate's failed condition returns the record it met
// (ReturnValuesOnConditionCheckFailure ALL_OLD), so deciding replay / 409 / 422 costs no extra read.
import { PutItemCommand, type PutItemCommandInput } from '@aws-sdk/client-dynamodb'
import { type Db, isDynamormError, unmarshallItem } from '@dynamorm/core'
import { misconfigured } from './errors.ts'
import { type RecordTable, readRecord, recordItemKey, type StoredRecord } from './record.ts'

export interface LockRequest {
  table: RecordTable
  recordKey: string
  fingerprint: string
  /** Random per invocation: the fencing token every later write of this invocation is conditioned on. */
  ownerToken: string
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
  | { kind: 'completed'; record: StoredRecord }
  | { kind: 'in-flight'; record: StoredRecord; retryAfterSeconds: number }
  | { kind: 'mismatch'; record: StoredRecord }
  /** IN_PROGRESS, lease over, no outcome recorded: the earlier invocation may or may not have acted. */
  | { kind: 'lease-expired'; record: StoredRecord }

const seconds = (ms: number): number => Math.floor(ms / 1000)

/** The record a lock writes: IN_PROGRESS, owned by this invocation until its lease ends. */
function lockedItem(request: LockRequest): PutItemCommandInput['Item'] {
  const item: NonNullable<PutItemCommandInput['Item']> = {
    ...recordItemKey(request.table, request.recordKey),
    status: { S: 'IN_PROGRESS' },
    ownerToken: { S: request.ownerToken },
    fingerprint: { S: request.fingerprint },
    lockedAt: { N: String(request.nowMs) },
    leaseExpiresAt: { N: String(request.nowMs + request.leaseMs) },
    [request.table.ttlAttribute]: { N: String(seconds(request.nowMs) + request.ttlSeconds) },
  }
  if (request.requestId !== undefined) item.requestId = { S: request.requestId }
  return item
}

/**
 * The lock's PutItem (pure, no network). It succeeds when no live record exists: none at all, one whose
 * TTL passed (DynamoDB deletes expired items late, so expired counts as absent), or, when the policy
 * allows, an IN_PROGRESS record for the same payload whose lease ended.
 */
export function lockInput(request: LockRequest): PutItemCommandInput {
  const { table, takeOverExpiredLease } = request
  const input: PutItemCommandInput = {
    TableName: table.tableName,
    Item: lockedItem(request),
    ConditionExpression: 'attribute_not_exists(#pk) OR #expiresAt < :nowSeconds',
    ExpressionAttributeNames: { '#pk': table.partitionKey, '#expiresAt': table.ttlAttribute },
    ExpressionAttributeValues: { ':nowSeconds': { N: String(seconds(request.nowMs)) } },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  }
  if (takeOverExpiredLease) {
    input.ConditionExpression +=
      ' OR (#status = :inProgress AND leaseExpiresAt < :nowMs AND fingerprint = :fingerprint)'
    input.ExpressionAttributeNames!['#status'] = 'status'
    Object.assign(input.ExpressionAttributeValues!, {
      ':inProgress': { S: 'IN_PROGRESS' },
      ':nowMs': { N: String(request.nowMs) },
      ':fingerprint': { S: request.fingerprint },
    })
    // On success, the expired lease taken over (only this condition can replace a live record); free.
    input.ReturnValues = 'ALL_OLD'
  }
  return input
}

/**
 * The takeover of one particular expired lease (after the reconcile hook chose to re-run): fenced on
 * the old owner's token, so of two retries reconciling at once only one wins, and an old owner that
 * completed in the meantime is replayed instead.
 */
export function takeOverInput(request: LockRequest, previous: StoredRecord): PutItemCommandInput {
  return {
    TableName: request.table.tableName,
    Item: lockedItem(request),
    ConditionExpression: 'ownerToken = :previousOwner AND #status = :inProgress',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':previousOwner': { S: previous.owner },
      ':inProgress': { S: 'IN_PROGRESS' },
    },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  }
}

/** What a record found by a failed lock means for this request (pure). */
export function decide(
  record: StoredRecord,
  fingerprint: string,
  nowMs: number,
): Exclude<LockOutcome, { kind: 'acquired' }> {
  // A reused key with another payload is refused whatever state the original is in.
  if (record.fingerprint !== fingerprint) return { kind: 'mismatch', record }
  if (record.status === 'COMPLETED') return { kind: 'completed', record }
  const leaseEnd = record.leaseExpiresAt ?? 0
  if (leaseEnd < nowMs) return { kind: 'lease-expired', record }
  return { kind: 'in-flight', record, retryAfterSeconds: Math.max(1, Math.ceil((leaseEnd - nowMs) / 1000)) }
}

/**
 * Sends a lock PutItem and decides. `absent` means the condition failed on no item at all (a fenced
 * takeover whose record its old owner released meanwhile): the caller locks afresh. Throttling and
 * unavailability surface as core's ThrottledError (429) and ServiceUnavailableError (503); nothing
 * else is written.
 */
export async function sendLock(
  db: Db,
  request: LockRequest,
  input: PutItemCommandInput,
): Promise<LockOutcome | { kind: 'absent' }> {
  try {
    const output = await db.send(new PutItemCommand(input))
    const previous = output.Attributes && readRecord(unmarshallItem(output.Attributes), request.table)
    const tookOver = previous?.status === 'IN_PROGRESS' && previous.expiresAt >= seconds(request.nowMs)
    return { kind: 'acquired', previous: tookOver ? previous : undefined }
  } catch (error) {
    if (!isDynamormError(error, 'ConditionFailedError')) throw error
    const item = (error as unknown as { item?: Record<string, unknown> }).item
    if (item === undefined) return { kind: 'absent' }
    const record = readRecord(item, request.table)
    if (record === undefined) {
      throw misconfigured(
        `Table ${request.table.tableName} holds an item under this key that is not an idempotency record`,
      )
    }
    return decide(record, request.fingerprint, request.nowMs)
  }
}
