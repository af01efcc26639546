// Finishing with a lock: the completion (record the outcome) and the release (delete the lock), both
// conditioned on the owner token, so an invocation whose lease was taken over can touch neither.
import {
  type Delete,
  DeleteItemCommand,
  type Put,
  PutItemCommand,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb'
import { type Db, isDynamormError, marshallItem } from '@dynamorm/core'
import { leaseLost } from './errors.ts'
import { type RecordTable, recordItemKey } from './record.ts'
import type { StoredResponse } from './stored-response.ts'

/** Unit-of-work labels, so a cancelled commit tells which condition failed. */
export const COMPLETION_LABEL = 'idempotency-completion'
export const RELEASE_LABEL = 'idempotency-release'

export interface OwnedRecord {
  table: RecordTable
  recordKey: string
  /** Random per invocation: the fencing token every later write of this invocation is conditioned on. */
  ownerToken: string
}

/** A lock as its owner took it: what the completion writes again beside the outcome. */
export interface HeldLock extends OwnedRecord {
  fingerprint: string
  lockedAt: number
  requestId: string | undefined
}

/** Only while the owner of `ownerToken` holds the lock and has not completed it. */
const ownedCondition = (table: RecordTable, ownerToken: string) => ({
  TableName: table.tableName,
  ConditionExpression: 'ownerToken = :owner AND #status = :inProgress',
  ExpressionAttributeNames: { '#status': 'status' },
  ExpressionAttributeValues: marshallItem({ ':owner': ownerToken, ':inProgress': 'IN_PROGRESS' }),
})

/**
 * The completion: the whole record written again as COMPLETED, with the stored response and a fresh
 * TTL, only while this owner still holds the lock. A whole item rather than an update: the completed
 * record is exactly these fields (no lease left behind), and DynamoDB Local answers a PutItem sooner
 * than the UpdateItem that would do the same (the same write capacity on DynamoDB). On a failed
 * condition the record found is returned (ALL_OLD) for the lease-lost report. `fencedOn` is the token
 * the record must still hold: the writer's own, or an expired lease's old owner's when a reconcile
 * completes it (written under the reconciler's token, so that old owner never takes it for its own).
 */
export function completionPut(
  lock: HeldLock,
  response: StoredResponse,
  nowMs: number,
  ttlSeconds: number,
  fencedOn = lock.ownerToken,
): Put {
  return {
    ...ownedCondition(lock.table, fencedOn),
    // An undefined response is stored as no response attribute at all (marshallItem drops undefined).
    Item: marshallItem({
      ...recordItemKey(lock.table, lock.recordKey),
      status: 'COMPLETED',
      ownerToken: lock.ownerToken,
      fingerprint: lock.fingerprint,
      lockedAt: lock.lockedAt,
      requestId: lock.requestId,
      completedAt: nowMs,
      [lock.table.ttlAttribute]: Math.floor(nowMs / 1000) + ttlSeconds,
      responseEncoding: response.encoding,
      response: response.value,
    }),
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  }
}

/**
 * The release: deletes the lock only while this owner holds it and it is still IN_PROGRESS, so it can
 * never delete a new owner's lock, nor a completion that did land (a commit whose answer was lost).
 */
export const releaseDelete = (record: OwnedRecord): Delete => ({
  ...ownedCondition(record.table, record.ownerToken),
  Key: marshallItem(recordItemKey(record.table, record.recordKey)),
})

export const completionWrite = (put: Put): TransactWriteItem => ({ Put: put })
export const releaseWrite = (remove: Delete): TransactWriteItem => ({ Delete: remove })

/**
 * Sends the completion on its own (when nothing else is queued, a single conditional write is already
 * atomic). A retried attempt whose first try landed finds the record COMPLETED under this owner's token:
 * that is success, not a lost lease.
 */
export async function sendCompletion(db: Db, record: OwnedRecord, put: Put): Promise<void> {
  try {
    await db.send(new PutItemCommand(put))
  } catch (error) {
    if (!isDynamormError(error, 'ConditionFailedError')) throw error
    const found = (error as unknown as { item?: Record<string, unknown> }).item
    if (found?.status === 'COMPLETED' && found.ownerToken === record.ownerToken) return
    throw leaseLost(error)
  }
}

/** Deletes the lock if this owner still holds it; a failure leaves it to its lease, and hides nothing else. */
export async function releaseQuietly(db: Db, record: OwnedRecord): Promise<void> {
  try {
    await db.send(new DeleteItemCommand(releaseDelete(record)))
  } catch {
    // Not ours any more, already completed, or DynamoDB unreachable: the lease runs out on its own,
    // and the request's own outcome is what the caller must see.
  }
}
