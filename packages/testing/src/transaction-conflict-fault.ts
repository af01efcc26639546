import { faultCount } from './fault-count.ts'
import type { Faults } from './fault-injector.ts'

/** The DynamoDB proxy's faults: the shared ones plus DynamoDB's transaction conflicts. */
export interface DynamoFaults extends Faults {
  /**
   * The next N matching TransactWriteItems requests are cancelled as DynamoDB cancels a transaction
   * that collides with another one in flight: 400 TransactionCanceledException, nothing written.
   */
  transactionConflict: number
  /** Which item of the request is named `TransactionConflict` (default 0, the first); the others are `None`. */
  conflictItemIndex?: number
}

export interface TransactionConflictFault {
  set(update: { transactionConflict?: number; conflictItemIndex?: number }): void
  reset(): void
  /** Consumes one conflict: the index of the item to name, or undefined when none is left. */
  take(): number | undefined
}

export function createTransactionConflictFault(): TransactionConflictFault {
  let remaining = 0
  let itemIndex = 0
  return {
    set(update) {
      // Both checked before either is applied, so a bad call changes nothing.
      const nextRemaining =
        update.transactionConflict === undefined
          ? remaining
          : faultCount('transactionConflict', update.transactionConflict)
      const nextIndex =
        update.conflictItemIndex === undefined
          ? itemIndex
          : faultCount('conflictItemIndex', update.conflictItemIndex)
      remaining = nextRemaining
      itemIndex = nextIndex
    },
    reset() {
      remaining = 0
      itemIndex = 0
    },
    take() {
      if (remaining === 0) return undefined
      remaining -= 1
      return itemIndex
    },
  }
}

/** How many items a TransactWriteItems body holds (at least 1: every cancellation has a reason). */
export function transactItemCount(body: Buffer): number {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'))
    const items = (parsed as { TransactItems?: unknown } | null)?.TransactItems
    return Array.isArray(items) && items.length > 0 ? items.length : 1
  } catch {
    return 1
  }
}
