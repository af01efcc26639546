// Finishing with a lock: the completion (record the outcome) and the release (delete the lock), both
// conditioned on the owner token, so an invocation whose lease was taken over can touch neither.
import {
  type Delete,
  DeleteItemCommand,
  type TransactWriteItem,
  type Update,
  UpdateItemCommand,
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

/** The record's key and the condition: only while this owner holds the lock and has not completed it. */
const owned = (record: OwnedRecord) => ({
  TableName: record.table.tableName,
  Key: marshallItem(recordItemKey(record.table, record.recordKey)),
  ConditionExpression: 'ownerToken = :owner AND #status = :inProgress',
})

/**
 * The completion: COMPLETED with the stored response and a fresh TTL, only while this owner still holds
 * the lock. On a failed condition the record found is returned (ALL_OLD) for the lease-lost report.
 */
export function completionUpdate(
  record: OwnedRecord,
  response: StoredResponse,
  nowMs: number,
  ttlSeconds: number,
): Update {
  // An undefined response is stored as no response attribute at all.
  const stored = response.value !== undefined
  return {
    ...owned(record),
    UpdateExpression: `SET #status = :completed, completedAt = :now, #expiresAt = :expiresAt, responseEncoding = :encoding${stored ? ', #response = :response' : ''} REMOVE leaseExpiresAt${stored ? '' : ', #response'}`,
    ExpressionAttributeNames: {
      '#status': 'status',
      '#expiresAt': record.table.ttlAttribute,
      '#response': 'response',
    },
    ExpressionAttributeValues: marshallItem({
      ':owner': record.ownerToken,
      ':inProgress': 'IN_PROGRESS',
      ':completed': 'COMPLETED',
      ':now': nowMs,
      ':expiresAt': Math.floor(nowMs / 1000) + ttlSeconds,
      ':encoding': response.encoding,
      ':response': response.value,
    }),
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  }
}

/**
 * The release: deletes the lock only while this owner holds it and it is still IN_PROGRESS, so it can
 * never delete a new owner's lock, nor a completion that did land (a commit whose answer was lost).
 */
export const releaseDelete = (record: OwnedRecord): Delete => ({
  ...owned(record),
  ExpressionAttributeNames: { '#status': 'status' },
  ExpressionAttributeValues: marshallItem({ ':owner': record.ownerToken, ':inProgress': 'IN_PROGRESS' }),
})

export const completionWrite = (update: Update): TransactWriteItem => ({ Update: update })
export const releaseWrite = (remove: Delete): TransactWriteItem => ({ Delete: remove })

/**
 * Sends the completion on its own (when nothing else is queued, a single conditional write is already
 * atomic). A retried attempt whose first try landed finds the record COMPLETED under this owner's token:
 * that is success, not a lost lease.
 */
export async function sendCompletion(db: Db, record: OwnedRecord, update: Update): Promise<void> {
  try {
    await db.send(new UpdateItemCommand(update))
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
