// Counts BatchWriteItem attempts and throttled answers in an SDK client middleware: core's batchWrite
// retries internally and reports only the outcome, and DynamoDB bills nothing for a throttled call, so
// the meter cannot see them either.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'

export interface BatchCallCounts {
  /** BatchWriteItem requests sent (each retry is one more). */
  calls: number
  /** Of those, answered with a throttling error. */
  throttled: number
}

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
])
const counters = new WeakMap<DynamoDBClient, BatchCallCounts>()

/** The client's counters, installed on first use. */
export function batchCallCounts(client: DynamoDBClient): BatchCallCounts {
  let counts = counters.get(client)
  if (counts !== undefined) return counts
  const created: BatchCallCounts = { calls: 0, throttled: 0 }
  counts = created
  counters.set(client, created)
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'BatchWriteItemCommand') return next(args)
      created.calls += 1
      try {
        return await next(args)
      } catch (error) {
        if (THROTTLING.has((error as { name?: string }).name ?? '')) created.throttled += 1
        throw error
      }
    },
    // Below the SDK's retry step, so the SDK's own retries (if the client has any) count too.
    { step: 'finalizeRequest', name: 'batchCallCounter', priority: 'low' },
  )
  return created
}
