// The request's unit of work: writes queued by the handler, the audit trail and the idempotency
// completion, committed together as one TransactWriteItems so they land together or not at all.

import { createHash } from 'node:crypto'
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb'
import { TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb'
import type { Db } from './db.ts'
import {
  CrossAccountTransactionError,
  isDynamormError,
  type TransactionCancelledError,
  TransactionTooLargeError,
  ValidationError,
} from './errors.ts'
import {
  type ConflictRetryOptions,
  type ConflictRetryPlan,
  conflictRetryPlan,
  withConflictRetries,
} from './transaction-conflict-retry.ts'

/** DynamoDB's limit on items in one transaction. */
export const MAX_TRANSACTION_ITEMS = 100

export interface QueuedWrite {
  item: TransactWriteItem
  /** The Db (client and account) the write belongs to. */
  db: Db
  /** Who queued it ('idempotency-completion', 'audit', ...): named in cancellation reasons. */
  label: string | undefined
  conditionFailed: ConditionFailedMapping | undefined
}

/** The error a commit cancelled by a write's failed condition is reported as (see QueueOptions). */
export type ConditionFailedMapping = (cancelled: TransactionCancelledError) => Error

export interface QueueOptions {
  label?: string
}

/** Options of `unitOfWork.add`: a label, and what a failure of this write's condition is reported as. */
export interface AddOptions extends QueueOptions {
  /**
   * When DynamoDB cancels the commit because this write's condition failed, the commit throws what
   * this returns instead of the TransactionCancelledError (given as its argument, to keep as cause):
   * the idempotency completion's is its lease lost, so every later error handler (the audit trail's
   * failure entry among them) sees that cause. Of several such writes, the first queued decides.
   */
  conditionFailed?: ConditionFailedMapping
}

/** How a commit attempt (or a discard) ended. */
export interface CommitOutcome {
  /** True when every queued write landed (or there was nothing to write). */
  committed: boolean
  /** Writes the attempt held: sent when committed, else refused, cancelled or dropped. */
  writes: number
  /** Why the commit failed; absent when committed or discarded. */
  error?: unknown
}

export type CommitListener = (outcome: CommitOutcome) => void

export class UnitOfWork {
  #writes: QueuedWrite[] = []
  #listeners: CommitListener[] = []

  add(db: Db, item: TransactWriteItem, options: AddOptions = {}): void {
    this.#writes.push({ item, db, label: options.label, conditionFailed: options.conditionFailed })
  }

  get size(): number {
    return this.#writes.length
  }

  get writes(): readonly QueuedWrite[] {
    return this.#writes
  }

  /**
   * Calls `listener` once, after the next commit attempt (success or failure) or discard, then forgets
   * it: e.g. the audit trail advances its cached chain head only when its entries landed.
   */
  onSettled(listener: CommitListener): void {
    if (typeof listener !== 'function') throw new ValidationError('onSettled takes a function')
    this.#listeners.push(listener)
  }

  discard(): void {
    const dropped = this.#writes.length
    this.#writes = []
    this.#settle(this.#takeListeners(), { committed: false, writes: dropped })
  }

  /**
   * Sends everything queued as one TransactWriteItems and empties the queue. Nothing is sent when the
   * queue is empty, holds more than 100 writes, or spans two clients (accounts): DynamoDB could not make
   * those atomic, and silently splitting them would break the all-or-nothing promise. `options.conflictRetries`
   * (with a token) sends it again, same token, when it was cancelled only by a TransactionConflict.
   */
  async commit(clientRequestToken?: string, options: ConflictRetryOptions = {}): Promise<number> {
    // The attempt owns what was queued when it started: writes and listeners added while it is in
    // flight wait for the next commit, so none is dropped, sent twice, or told an outcome not its own.
    const listeners = this.#takeListeners()
    const queued = this.#writes.length
    let sent: number
    try {
      sent = await this.#send(
        clientRequestToken,
        conflictRetryPlan(options, clientRequestToken !== undefined),
      )
    } catch (error) {
      this.#settle(listeners, { committed: false, writes: queued, error })
      throw error
    }
    this.#settle(listeners, { committed: true, writes: sent })
    return sent
  }

  async #send(clientRequestToken: string | undefined, plan: ConflictRetryPlan): Promise<number> {
    const writes = this.#writes
    if (writes.length === 0) return 0
    if (writes.length > MAX_TRANSACTION_ITEMS) throw new TransactionTooLargeError(writes.length)
    const owner = writes[0]!.db
    if (writes.some((write) => write.db.client !== owner.client)) throw new CrossAccountTransactionError()
    this.#writes = []
    const input = {
      TransactItems: writes.map((write) => write.item),
      ClientRequestToken:
        clientRequestToken === undefined ? undefined : toClientRequestToken(clientRequestToken),
    }
    try {
      await withConflictRetries(plan, () => owner.send(new TransactWriteItemsCommand(input)))
    } catch (error) {
      if (!isDynamormError(error, 'TransactionCancelledError')) throw error
      const cancelled = error as TransactionCancelledError
      for (const reason of cancelled.reasons) reason.label = writes[reason.index]?.label
      const mapped = cancelled.reasons.find(
        (reason) => reason.code === 'ConditionalCheckFailed' && writes[reason.index]?.conditionFailed,
      )
      throw mapped === undefined ? cancelled : writes[mapped.index]!.conditionFailed!(cancelled)
    }
    return writes.length
  }

  // Listeners are taken off before they run (one call each; a listener may register the next).
  #takeListeners(): CommitListener[] {
    const listeners = this.#listeners
    this.#listeners = []
    return listeners
  }

  // One that throws or rejects neither changes the commit's result nor keeps the others from running.
  #settle(listeners: CommitListener[], outcome: CommitOutcome): void {
    for (const listener of listeners) {
      try {
        const result: unknown = listener({ ...outcome })
        if (result instanceof Promise) result.catch(reportListenerError)
      } catch (error) {
        reportListenerError(error)
      }
    }
  }
}

function reportListenerError(error: unknown): void {
  console.error('dynamorm: an onSettled listener failed', error)
}

// ClientRequestToken allows 1-36 characters; Lambda request ids fit, anything longer is hashed to fit.
function toClientRequestToken(token: string): string {
  if (token.length > 0 && token.length <= 36) return token
  return createHash('sha256').update(token).digest('base64url').slice(0, 36)
}
