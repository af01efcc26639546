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
}

export interface CapacityTotals extends CapacityUnits {
  /** DynamoDB calls recorded, whether or not they reported capacity. */
  calls: number
  tables: Record<string, TableCapacity>
}

const zero = (): CapacityUnits => ({ readCapacityUnits: 0, writeCapacityUnits: 0 })

function addUnits(target: CapacityUnits, kind: CapacityKind, units: number | undefined): void {
  if (kind === 'read') target.readCapacityUnits += units ?? 0
  else target.writeCapacityUnits += units ?? 0
}

export class CapacityMeter {
  #calls = 0
  #totals: CapacityUnits = zero()
  #tables: Record<string, TableCapacity> = {}

  /**
   * Adds one call's ConsumedCapacity (one entry, or one per table for batch and transaction calls).
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

  get calls(): number {
    return this.#calls
  }

  totals(): CapacityTotals {
    return { calls: this.#calls, ...this.#totals, tables: structuredClone(this.#tables) }
  }
}
