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
import { IdempotencyLeaseLostError } from './errors.ts'
import { ATTR, type RecordTable, readRecord, recordItemKey } from './record.ts'
import type { StoredResponse } from './stored-response.ts'

/** Unit-of-work labels, so a cancelled commit tells which condition failed. */
export const COMPLETION_LABEL = 'idempotency-completion'
export const RELEASE_LABEL = 'idempotency-release'

export interface OwnedRecord {
  table: RecordTable
  recordKey: string
  ownerToken: string
}

const ownedCondition = {
  ConditionExpression: '#owner = :owner AND #status = :inProgress',
  names: { '#owner': ATTR.owner, '#status': ATTR.status },
}

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
  let set = 'SET #status = :completed, #completedAt = :now, #expiresAt = :expiresAt, #encoding = :encoding'
  let remove = 'REMOVE #leaseExpiresAt'
  if (response.encoding === 'none') remove += ', #response'
  else {
    set += ', #response = :response'
    values[':response'] = response.encoding === 'json' ? { S: response.value } : { B: response.value }
  }
  return {
    TableName: owned.table.tableName,
    Key: recordItemKey(owned.table, owned.recordKey),
    UpdateExpression: `${set} ${remove}`,
    ConditionExpression: ownedCondition.ConditionExpression,
    ExpressionAttributeNames: {
      ...ownedCondition.names,
      '#completedAt': ATTR.completedAt,
      '#expiresAt': owned.table.ttlAttribute,
      '#encoding': ATTR.responseEncoding,
      '#response': ATTR.response,
      '#leaseExpiresAt': ATTR.leaseExpiresAt,
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
    ConditionExpression: ownedCondition.ConditionExpression,
    ExpressionAttributeNames: ownedCondition.names,
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
    throw new IdempotencyLeaseLostError({ cause: error })
  }
}
