// What query and scan share: the filter every read gets (this entity's items, unexpired, then the
// caller's), projection, limit and consistency, and reading pages up to a limit into an opaque cursor.
import type { AttributeValue, QueryCommandInput, ScanCommandInput } from '@aws-sdk/client-dynamodb'
import { encodeCursor } from '../cursor.ts'
import type { Db } from '../db.ts'
import { ValidationError } from '../errors.ts'
import {
  allOf,
  type Condition,
  type ConditionBuilder,
  compileCondition,
  conditions,
} from '../expressions/condition.ts'
import type { Placeholders } from '../expressions/placeholders.ts'
import { compileProjection } from '../expressions/projection.ts'
import type { AttributeMap } from '../marshall.ts'
import { type AnyModel, assertPlainPath, type ItemOf, modelEncoder, type PlainItemOf } from '../model.ts'
import { readItem } from './write-support.ts'

export interface Page<T> {
  items: T[]
  /** Pass to the next query to continue; undefined at the end. */
  cursor: string | undefined
  count: number
  scannedCount: number
}

/** The read options query and scan take alike. */
export interface ReadOptions<M extends AnyModel> {
  filter?: (c: ConditionBuilder<PlainItemOf<M>>) => Condition
  projection?: readonly unknown[]
  limit?: number
  consistent?: boolean
  includeExpired?: boolean
  now?: Date
}

/** Adds the filter, projection, limit and consistency to a Query or Scan input. */
export function applyReadOptions<M extends AnyModel>(
  model: M,
  params: QueryCommandInput | ScanCommandInput,
  options: ReadOptions<M>,
  placeholders: Placeholders,
): void {
  const filter = allOf(
    // Single-table design: only this entity's items, whatever else shares the partition or table.
    { op: 'compare', path: model.entityAttribute, comparator: '=', value: model.name },
    expiryFilter(model, options),
    options.filter?.(conditions),
  ) as Condition
  params.FilterExpression = compileCondition(filter, placeholders, modelEncoder(model, 'filters'))
  if (options.projection !== undefined) {
    for (const path of options.projection) assertPlainPath(model, path as string, 'projections')
    params.ProjectionExpression = compileProjection(options.projection as string[], placeholders)
  }
  if (options.limit !== undefined) {
    if (!Number.isSafeInteger(options.limit) || options.limit < 1)
      throw new ValidationError('limit must be a positive integer')
    params.Limit = options.limit
  }
  if (options.consistent) params.ConsistentRead = true
}

export function expiryFilter(
  model: AnyModel,
  options: { includeExpired?: boolean; now?: Date },
): Condition | undefined {
  if (model.ttl === undefined || options.includeExpired) return undefined
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000)
  return {
    op: 'or',
    conditions: [
      { op: 'notExists', path: model.ttl },
      {
        op: 'compare',
        path: model.ttl,
        comparator: '>',
        value: model.attributes[model.ttl]?.kind === 'number' ? now : new Date(now * 1000),
      },
    ],
  }
}

export interface PagedRequest {
  Limit?: number
  ExclusiveStartKey?: Record<string, AttributeValue>
}

/** Reads pages until the limit, the page count or the end; shared by query and scan. */
export async function readPages<M extends AnyModel>(
  db: Db,
  model: M,
  table: string,
  params: PagedRequest & { IndexName?: string },
  send: (input: PagedRequest) => Promise<{
    Items?: AttributeMap[]
    LastEvaluatedKey?: AttributeMap
    Count?: number
    ScannedCount?: number
  }>,
  options: { limit?: number; pages?: number | 'all' },
  cursorScope: { table: string; index?: string | undefined },
): Promise<Page<ItemOf<M>>> {
  // With a limit and no page count, keep reading until the limit is met: DynamoDB's Limit counts items
  // evaluated before the filter, so one page can come back short while more matches remain.
  const maxPages =
    options.pages === 'all' || (options.pages === undefined && options.limit !== undefined)
      ? Number.POSITIVE_INFINITY
      : (options.pages ?? 1)
  if (maxPages !== Number.POSITIVE_INFINITY && (!Number.isSafeInteger(maxPages) || maxPages < 1)) {
    throw new ValidationError("pages must be a positive integer or 'all'")
  }
  const stored: AttributeMap[] = []
  let startKey = params.ExclusiveStartKey
  let count = 0
  let scannedCount = 0
  for (let page = 0; page < maxPages; page++) {
    const remaining = options.limit === undefined ? undefined : options.limit - count
    const input: PagedRequest = { ...params, ExclusiveStartKey: startKey }
    if (remaining !== undefined) input.Limit = remaining
    const output = await send(input)
    stored.push(...(output.Items ?? []))
    count += output.Count ?? 0
    scannedCount += output.ScannedCount ?? 0
    startKey = output.LastEvaluatedKey
    if (startKey === undefined || (options.limit !== undefined && count >= options.limit)) break
  }
  const items = await Promise.all(stored.map((item) => readItem(db, model, table, item)))
  return {
    items,
    cursor: startKey === undefined ? undefined : encodeCursor(startKey, cursorScope, db.options.cursorSecret),
    count,
    scannedCount,
  }
}
