// Finishing with a lock: the completion (record the outcome) and the release (delete the lock), both
// conditioned on the owner token, so an invocation whose lease was taken over can touch neither.
import {
  type AttributeValue,
  type Delete,
  type TransactWriteItem,
  type Update,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb'
import { type Db, isDynamormError } from '@dynamorm/core'
import { leaseLost } from './errors.ts'
import { type RecordTable, readRecord, recordItemKey } from './record.ts'
import type { StoredResponse } from './stored-response.ts'

/** Unit-of-work labels, so a cancelled commit tells which condition failed. */
export const COMPLETION_LABEL = 'idempotency-completion'
export const RELEASE_LABEL = 'idempotency-release'

export interface OwnedRecord {
  table: RecordTable
  recordKey: string
  ownerToken: string
}

// Only while this owner holds the lock and has not completed it.
const OWNED = 'ownerToken = :owner AND #status = :inProgress'

/**
 * The completion: COMPLETED with the stored response and a fresh TTL, only while this owner still holds
 * the lock. On a failed condition the record found is returned (ALL_OLD) for the lease-lost report.
 */
export function completionUpdate(
  owned: OwnedRecord,
  response: StoredResponse,
  nowMs: number,
  ttlSeconds: number,
): Update {
  const values: Record<string, AttributeValue> = {
    ':owner': { S: owned.ownerToken },
    ':inProgress': { S: 'IN_PROGRESS' },
    ':completed': { S: 'COMPLETED' },
    ':now': { N: String(nowMs) },
    ':expiresAt': { N: String(Math.floor(nowMs / 1000) + ttlSeconds) },
    ':encoding': { S: response.encoding },
  }
  let update =
    'SET #status = :completed, completedAt = :now, #expiresAt = :expiresAt, responseEncoding = :encoding'
  if (response.encoding === 'none') update += ' REMOVE leaseExpiresAt, #response'
  else {
    update += ', #response = :response REMOVE leaseExpiresAt'
    values[':response'] = response.encoding === 'json' ? { S: response.value } : { B: response.value }
  }
  return {
    TableName: owned.table.tableName,
    Key: recordItemKey(owned.table, owned.recordKey),
    UpdateExpression: update,
    ConditionExpression: OWNED,
    ExpressionAttributeNames: {
      '#status': 'status',
      '#expiresAt': owned.table.ttlAttribute,
      '#response': 'response',
    },
    ExpressionAttributeValues: values,
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
  }
}

/**
 * The release: deletes the lock only while this owner holds it and it is still IN_PROGRESS, so it can
 * never delete a new owner's lock, nor a completion that did land (a commit whose answer was lost).
 */
export function releaseDelete(owned: OwnedRecord): Delete {
  return {
    TableName: owned.table.tableName,
    Key: recordItemKey(owned.table, owned.recordKey),
    ConditionExpression: OWNED,
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: { ':owner': { S: owned.ownerToken }, ':inProgress': { S: 'IN_PROGRESS' } },
  }
}

export const completionWrite = (update: Update): TransactWriteItem => ({ Update: update })
export const releaseWrite = (remove: Delete): TransactWriteItem => ({ Delete: remove })

/**
 * Sends the completion on its own (when nothing else is queued, a single conditional write is already
 * atomic). A retried attempt whose first try landed finds the record COMPLETED under this owner's token:
 * that is success, not a lost lease.
 */
export async function sendCompletion(db: Db, owned: OwnedRecord, update: Update): Promise<void> {
  try {
    await db.send(new UpdateItemCommand(update))
  } catch (error) {
    if (!isDynamormError(error, 'ConditionFailedError')) throw error
    const found = readRecord((error as unknown as { item?: Record<string, unknown> }).item, owned.table)
    if (found?.status === 'COMPLETED' && found.owner === owned.ownerToken) return
    throw leaseLost(error)
  }
}
