// A refused conditional write (ConditionalCheckFailed) is billed but DynamoDB reports no
// ConsumedCapacity for it. Its documented rule: write units for the larger of the stored item and the
// item being written, 1 per KB, at least 1. Estimated from what the call itself carries, never read.

import { itemSize } from './item-size.ts'
import type { AttributeMap } from './marshall.ts'

/** A refused write's estimated write units, on its table. */
export interface RefusedWrite {
  table: string
  writeCapacityUnits: number
}

const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand'])

/**
 * The estimate for a failed call, when it was a refused single-item write: the stored item is known
 * when the call asked for it (ReturnValuesOnConditionCheckFailure ALL_OLD, as DynamORM's writes do),
 * the written item only for a put (an update's result is not known, so its estimate is a lower bound).
 */
export function refusedWrite(
  commandName: string | undefined,
  input: { TableName?: unknown; Item?: unknown },
  error: unknown,
): RefusedWrite | undefined {
  if (!WRITES.has(commandName ?? '') || typeof input.TableName !== 'string') return undefined
  if ((error as { name?: unknown } | null)?.name !== 'ConditionalCheckFailedException') return undefined
  const items = [(error as { Item?: AttributeMap }).Item]
  if (commandName === 'PutItemCommand') items.push(input.Item as AttributeMap | undefined)
  const bytes = Math.max(0, ...items.map((item) => (item === undefined ? 0 : itemSize(item))))
  return { table: input.TableName, writeCapacityUnits: Math.max(1, Math.ceil(bytes / 1024)) }
}
