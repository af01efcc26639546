// Consumed capacity of every call a request makes, per table and index, so cost can be attributed.
import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb'

export type CapacityKind = 'read' | 'write'

export interface CapacityUnits {
  readCapacityUnits: number
  writeCapacityUnits: number
}

export interface TableCapacity extends CapacityUnits {
  /** The part of the table's total that its indexes consumed. */
  indexes: Record<string, CapacityUnits>
  /** Estimated units of refused conditional writes on this table (not in `writeCapacityUnits`). */
  estimatedWriteCapacityUnits?: number
}

export interface CapacityTotals extends CapacityUnits {
  /** DynamoDB calls made (one per Db.send, whatever the SDK retried), succeeded or failed. */
  calls: number
  /** The calls that failed (refused condition, throttled, invalid, unavailable, aborted in flight). */
  failedCalls?: number
  /**
   * Write units DynamoDB bills for refused conditional writes but does not report, estimated from the
   * items the calls carried (the larger of stored and written item, 1 per KB, at least 1). Kept apart
   * from the reported `writeCapacityUnits`; for a refused update it is a lower bound.
   */
  estimatedWriteCapacityUnits?: number
  tables: Record<string, TableCapacity>
}

/** What CapacityMeter.totals() returns: every field filled in. */
export type MeterTotals = CapacityTotals & { failedCalls: number; estimatedWriteCapacityUnits: number }

const zero = (): CapacityUnits => ({ readCapacityUnits: 0, writeCapacityUnits: 0 })

function addUnits(target: CapacityUnits, kind: CapacityKind, units: number | undefined): void {
  if (kind === 'read') target.readCapacityUnits += units ?? 0
  else target.writeCapacityUnits += units ?? 0
}

export class CapacityMeter {
  #calls = 0
  #failedCalls = 0
  #estimatedWriteCapacityUnits = 0
  #totals: CapacityUnits = zero()
  #tables: Record<string, TableCapacity> = {}

  /**
   * Adds one successful call's ConsumedCapacity (one entry, or one per table for batch and transaction calls).
   * DynamoDB reports only `CapacityUnits`, so the caller says whether the call read or wrote.
   */
  record(consumed: ConsumedCapacity | ConsumedCapacity[] | undefined, kind: CapacityKind): void {
    this.#calls += 1
    for (const entry of consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed]) {
      const table = (this.#tables[entry.TableName ?? 'unknown'] ??= { ...zero(), indexes: {} })
      addUnits(table, kind, entry.CapacityUnits)
      addUnits(this.#totals, kind, entry.CapacityUnits)
      const indexes = { ...entry.GlobalSecondaryIndexes, ...entry.LocalSecondaryIndexes }
      for (const [indexName, units] of Object.entries(indexes)) {
        addUnits((table.indexes[indexName] ??= zero()), kind, units.CapacityUnits)
      }
    }
  }

  /**
   * Adds one failed call; `refused` is the estimate for a refused conditional write (DynamoDB bills it
   * but reports nothing), kept apart from the reported units.
   */
  recordFailure(refused?: { table: string; writeCapacityUnits: number }): void {
    this.#calls += 1
    this.#failedCalls += 1
    if (refused === undefined) return
    const table = (this.#tables[refused.table] ??= { ...zero(), indexes: {} })
    table.estimatedWriteCapacityUnits = (table.estimatedWriteCapacityUnits ?? 0) + refused.writeCapacityUnits
    this.#estimatedWriteCapacityUnits += refused.writeCapacityUnits
  }

  get calls(): number {
    return this.#calls
  }

  totals(): MeterTotals {
    return {
      calls: this.#calls,
      failedCalls: this.#failedCalls,
      ...this.#totals,
      estimatedWriteCapacityUnits: this.#estimatedWriteCapacityUnits,
      tables: structuredClone(this.#tables),
    }
  }
}
