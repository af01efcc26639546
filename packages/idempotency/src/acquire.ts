// The lock step as a whole: the conditional PutItem, then, for a lease that ended without an outcome,
// the reconcile hook's decision, retried a bounded number of times when the record vanishes in between.
import type { Db } from '@dynamorm/core'
import { type LockRequest, lockInput, sendLock } from './lock.ts'
import type { Reconciliation } from './options.ts'
import { applyReconciliation, type ReconcileOutcome } from './reconciliation.ts'
import { type IdempotencyRecord, publicRecord } from './record.ts'
import type { StoredResponse } from './stored-response.ts'

// A fenced takeover can find the record released by its old owner; the lock is then tried afresh.
const MAX_LOCK_ATTEMPTS = 3

export interface AcquireHooks<TResult> {
  /** Asked about an expired lease (the 'report' policy with a reconcile option); none: report it. */
  reconcile: ((record: IdempotencyRecord) => Promise<Reconciliation<TResult>>) | undefined
  encode: (response: TResult) => StoredResponse
}

/** `absent` only when the record kept vanishing between conditional writes (heavy contention). */
export async function acquire<TResult>(
  db: Db,
  lock: LockRequest,
  hooks: AcquireHooks<TResult>,
): Promise<ReconcileOutcome> {
  let outcome: ReconcileOutcome = { kind: 'absent' }
  for (let attempt = 0; attempt < MAX_LOCK_ATTEMPTS && outcome.kind === 'absent'; attempt++) {
    outcome = await sendLock(db, lock, lockInput(lock))
    if (outcome.kind === 'lease-expired' && hooks.reconcile) {
      const decision = await hooks.reconcile(publicRecord(outcome.record))
      outcome = await applyReconciliation(db, lock, outcome.record, decision, hooks.encode)
    }
  }
  return outcome
}
