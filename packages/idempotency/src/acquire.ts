// The lock step as a whole: the conditional PutItem, then, for a lease that ended without an outcome
// under the 'report' policy, the reconcile hook's decision (it can ask the payment provider whether the
// operation happened), applied fenced on the old owner's token so two retries reconciling at once
// cannot both win; retried a bounded number of times when the record vanishes in between.
import { PutItemCommand } from '@aws-sdk/client-dynamodb'
import { type Db, isDynamormError } from '@dynamorm/core'
import { completionPut } from './completion.ts'
import { inFlight } from './errors.ts'
import { decide, type LockOutcome, type LockRequest, lockInput, sendLock, takeOverInput } from './lock.ts'
import type { Reconciliation } from './options.ts'
import { type IdempotencyRecord, isRecord, publicRecord, type StoredRecord } from './record.ts'
import type { StoredResponse } from './stored-response.ts'

// A fenced takeover can find the record released by its old owner; the lock is then tried afresh.
const MAX_LOCK_ATTEMPTS = 3

/** Asked about an expired lease (the 'report' policy with a reconcile option); none: report it. */
export type ReconcileHook<TResult> = (record: IdempotencyRecord) => Promise<Reconciliation<TResult>>

/**
 * Never `absent`: a record that kept vanishing between conditional writes (heavy contention) is a 409,
 * retry shortly. Throttled after the SDK's retries, DynamoDB unreachable, or the Lambda deadline too
 * close (core's 429 / 503): nothing was written, so that is a refusal too, and the caller may retry.
 */
export async function acquire<TResult>(
  db: Db,
  lock: LockRequest,
  reconcile: ReconcileHook<TResult> | undefined,
  encode: (response: TResult) => StoredResponse,
): Promise<Exclude<LockOutcome, { kind: 'absent' }>> {
  try {
    for (let attempt = 0; attempt < MAX_LOCK_ATTEMPTS; attempt++) {
      let outcome = await sendLock(db, lock, lockInput(lock))
      const expired =
        outcome.kind === 'refused' && isDynamormError(outcome.error, 'IdempotencyOutcomeUnknownError')
          ? outcome.record
          : undefined
      if (reconcile && expired) {
        const decision = await reconcile(publicRecord(expired, lock.table))
        outcome = (await applyReconciliation(db, lock, expired, decision, encode)) ?? outcome
      }
      if (outcome.kind !== 'absent') return outcome
    }
    return { kind: 'refused', error: inFlight(1) }
  } catch (error) {
    if (isDynamormError(error) && (error.status === 429 || error.status === 503)) {
      return { kind: 'refused', error, retryAfterSeconds: 1 }
    }
    throw error
  }
}

/** The hook's decision applied; undefined for 'report' (or anything that is not a decision): still unknown. */
async function applyReconciliation<TResult>(
  db: Db,
  lock: LockRequest,
  expired: StoredRecord,
  decision: Reconciliation<TResult>,
  encode: (response: TResult) => StoredResponse,
): Promise<LockOutcome | undefined> {
  if (decision === 'reexecute') {
    const outcome = await sendLock(db, lock, takeOverInput(lock, expired))
    return outcome.kind === 'acquired' ? { kind: 'acquired', previous: expired } : outcome
  }
  if (typeof decision !== 'object' || decision === null || !('complete' in decision)) return undefined
  const response = encode(decision.complete)
  // Fenced on the old owner's token, its lock's fields kept, but written under this invocation's token:
  // an old owner that wakes up then finds a completion that is not its own (lease lost), and cannot
  // answer its caller as if its outcome, not this one, had been recorded.
  const held = {
    table: lock.table,
    recordKey: lock.recordKey,
    ownerToken: lock.ownerToken,
    fingerprint: expired.fingerprint,
    lockedAt: expired.lockedAt,
    requestId: expired.requestId,
  }
  try {
    await db.send(
      new PutItemCommand(completionPut(held, response, Date.now(), lock.ttlSeconds, expired.ownerToken)),
    )
    // The reported outcome is now the record's, replayed as any completed record is.
    return {
      kind: 'completed',
      record: {
        ...expired,
        status: 'COMPLETED',
        response: response.value,
        responseEncoding: response.encoding,
      },
    }
  } catch (error) {
    if (!isDynamormError(error, 'ConditionFailedError')) throw error
    // Someone else moved first (the old owner completed, or another retry reconciled): go by what is there.
    const found = (error as unknown as { item?: Record<string, unknown> }).item
    return isRecord(found) ? decide(found, lock) : { kind: 'absent' }
  }
}
