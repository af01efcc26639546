// A lease that ended without an outcome, under the 'report' policy: the reconcile hook (which can ask
// the payment provider) says whether the operation happened; its answer is applied fenced on the old
// owner's token, so two retries reconciling at once cannot both win.
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb'
import { type Db, isDynamormError } from '@dynamorm/core'
import { completionUpdate } from './completion.ts'
import { decide, type LockOutcome, type LockRequest, sendLock, takeOverInput } from './lock.ts'
import type { Reconciliation } from './options.ts'
import { readRecord, type StoredRecord } from './record.ts'
import type { StoredResponse } from './stored-response.ts'

/** A `completed` outcome is also what the hook reported: its response is now the record's. */
export type ReconcileOutcome = LockOutcome | { kind: 'absent' }

export async function applyReconciliation<TResult>(
  db: Db,
  lock: LockRequest,
  expired: StoredRecord,
  decision: Reconciliation<TResult>,
  encode: (response: TResult) => StoredResponse,
): Promise<ReconcileOutcome> {
  if (decision === 'reexecute') {
    const outcome = await sendLock(db, lock, takeOverInput(lock, expired))
    return outcome.kind === 'acquired' ? { kind: 'acquired', previous: expired } : outcome
  }
  if (typeof decision !== 'object' || decision === null || !('complete' in decision)) {
    return { kind: 'lease-expired', record: expired }
  }
  const response = encode(decision.complete)
  const previousOwner = { table: lock.table, recordKey: lock.recordKey, ownerToken: expired.owner }
  try {
    await db.send(
      new UpdateItemCommand(completionUpdate(previousOwner, response, Date.now(), lock.ttlSeconds)),
    )
    const stored = response.encoding === 'none' ? undefined : response.value
    return {
      kind: 'completed',
      record: { ...expired, status: 'COMPLETED', response: stored, responseEncoding: response.encoding },
    }
  } catch (error) {
    if (!isDynamormError(error, 'ConditionFailedError')) throw error
    // Someone else moved first (the old owner completed, or another retry reconciled): go by what is there.
    const record = readRecord((error as unknown as { item?: Record<string, unknown> }).item, lock.table)
    return record === undefined ? { kind: 'absent' } : decide(record, lock.fingerprint, lock.nowMs)
  }
}
