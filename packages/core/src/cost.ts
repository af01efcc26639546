// Turns consumed capacity into money. Prices are USD and configurable; the defaults are AWS's
// public list prices for Standard tables (2024-11 on-demand price cut) and must be reviewed by the user.
import type { CapacityTotals } from './capacity.ts'
import { ValidationError } from './errors.ts'

export interface RegionPrices {
  /** USD per million read request units (on-demand). */
  onDemandReadPerMillion: number
  /** USD per million write request units (on-demand). */
  onDemandWritePerMillion: number
  /** USD per provisioned RCU-hour. */
  provisionedReadPerHour: number
  /** USD per provisioned WCU-hour. */
  provisionedWritePerHour: number
}

export type PriceTable = Record<string, RegionPrices>

export const defaultPriceTable: PriceTable = {
  'us-east-1': {
    onDemandReadPerMillion: 0.125,
    onDemandWritePerMillion: 0.625,
    provisionedReadPerHour: 0.00013,
    provisionedWritePerHour: 0.00065,
  },
  'eu-west-1': {
    onDemandReadPerMillion: 0.1415,
    onDemandWritePerMillion: 0.705,
    provisionedReadPerHour: 0.000147,
    provisionedWritePerHour: 0.000735,
  },
}

export type CapacityMode = 'onDemand' | 'provisioned'

export interface CostOptions {
  region?: string
  /** Capacity mode of every table (default 'onDemand'); `tableModes` overrides per physical table. */
  mode?: CapacityMode
  tableModes?: Record<string, CapacityMode>
  prices?: PriceTable
}

export interface CostEstimate {
  currency: 'USD'
  total: number
  tables: Record<string, number>
}

/**
 * On-demand: units times the per-request-unit price. Provisioned: a consumed unit is priced as one
 * capacity-unit-second (hourly price / 3600), the marginal share of capacity the request used.
 */
export function estimateCost(totals: CapacityTotals, options: CostOptions = {}): CostEstimate {
  const region = options.region ?? 'us-east-1'
  const prices = (options.prices ?? defaultPriceTable)[region]
  if (prices === undefined) {
    throw new ValidationError(`No DynamoDB prices for region ${region}: give them in options.prices`, {
      details: { region },
    })
  }
  const tables: Record<string, number> = {}
  let total = 0
  for (const [name, table] of Object.entries(totals.tables)) {
    const mode = options.tableModes?.[name] ?? options.mode ?? 'onDemand'
    const cost =
      mode === 'onDemand'
        ? (table.readCapacityUnits * prices.onDemandReadPerMillion +
            table.writeCapacityUnits * prices.onDemandWritePerMillion) /
          1_000_000
        : (table.readCapacityUnits * prices.provisionedReadPerHour +
            table.writeCapacityUnits * prices.provisionedWritePerHour) /
          3600
    tables[name] = cost
    total += cost
  }
  return { currency: 'USD', total, tables }
}
