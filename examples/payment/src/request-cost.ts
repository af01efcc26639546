// The request's cost, measured: every DynamoDB call of the request (the lock, reads, the final
// TransactWriteItems) is in the request's capacity meter, shared by the platform's and the partner's
// Db. Read once the whole chain has finished, so the commit is included, and reported as headers.
import { type CapacityTotals, type Db, estimateCost, type PriceTable } from '@dynamorm/core'
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda'

export const COST_HEADER = 'x-dynamorm-cost-usd'
export const CAPACITY_HEADER = 'x-dynamorm-capacity'

export interface RequestCost {
  totals: CapacityTotals
  costUsd: number | null
}

export interface RequestCostOptions {
  /** Region priced when the request has no partner (default AWS_REGION, else us-east-1). */
  region?: string
  /** Prices (default core's defaultPriceTable). */
  prices?: PriceTable
}

interface CostedContext {
  db?: Db
  partner?: { region?: string }
}

export function requestCost(
  context: CostedContext,
  options: RequestCostOptions = {},
): RequestCost | undefined {
  const db = context.db
  if (db === undefined) return undefined
  const totals = db.meter.totals()
  let costUsd: number | null = null
  try {
    costUsd = estimateCost(totals, {
      region: context.partner?.region ?? options.region ?? process.env.AWS_REGION ?? 'us-east-1',
      prices: options.prices,
    }).total
  } catch {
    costUsd = null // no prices for the region: report capacity only
  }
  return { totals, costUsd }
}

type Handler<E, C> = (event: E, context: C) => Promise<APIGatewayProxyStructuredResultV2>

/**
 * Wraps a finished handler (after every middleware, replays and refusals included) and adds the cost
 * headers. A wrapper rather than a middleware: Middy skips `after` middlewares when a `before` answers
 * early (a replay, a 409), and those requests cost capacity too.
 */
export function withRequestCost<E, C extends object>(
  handler: Handler<E, C>,
  options: RequestCostOptions = {},
) {
  return async (event: E, context: C): Promise<APIGatewayProxyStructuredResultV2> => {
    const result = await handler(event, context)
    const cost = requestCost(context as CostedContext, options)
    if (cost === undefined) return result
    const { readCapacityUnits, writeCapacityUnits, calls } = cost.totals
    return {
      ...result,
      headers: {
        ...result.headers,
        [COST_HEADER]: cost.costUsd === null ? 'unknown' : cost.costUsd.toFixed(10),
        [CAPACITY_HEADER]: `calls=${calls}; rcu=${readCapacityUnits}; wcu=${writeCapacityUnits}`,
      },
    }
  }
}
