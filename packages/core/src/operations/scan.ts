// Scan reads the whole table: only ever run when asked for by name, never as a query's fallback.
import { ScanCommand, type ScanCommandInput } from '@aws-sdk/client-dynamodb'
import { decodeCursor } from '../cursor.ts'
import type { Db } from '../db.ts'
import { ValidationError } from '../errors.ts'
import type { Condition, ConditionBuilder } from '../expressions/condition.ts'
import { Placeholders } from '../expressions/placeholders.ts'
import type { AnyModel, IndexNamesOf, ItemOf, PlainItemOf } from '../model.ts'
import { applyReadOptions, type Page, readPages } from './read-pages.ts'

export interface ScanOptions<M extends AnyModel, P = keyof PlainItemOf<M>> {
  filter?: (c: ConditionBuilder<PlainItemOf<M>>) => Condition
  projection?: readonly P[]
  /** Secondary index to scan (by its key in the model's `indexes`). */
  index?: IndexNamesOf<M>
  limit?: number
  cursor?: string
  pages?: number | 'all'
  consistent?: boolean
  /** Parallel scan: this many segments read at once (all pages of each); no cursor. */
  segments?: number
  includeExpired?: boolean
  table?: string
  now?: Date
}

/** The Scan input: pure and synchronous. */
export function scanParams<M extends AnyModel>(
  model: M,
  options: ScanOptions<M, any> = {},
): ScanCommandInput {
  const placeholders = new Placeholders()
  const params: ScanCommandInput = { TableName: options.table ?? model.table }
  if (options.index !== undefined) {
    const index = model.indexes[options.index]
    if (index === undefined) throw new ValidationError(`${model.name} has no index ${options.index}`)
    params.IndexName = index.name
  }
  applyReadOptions(model, params, options, placeholders)
  return placeholders.attach(params)
}

/** Scans the model's items (filtered to its entity type); with `segments`, in parallel. */
export async function scan<M extends AnyModel>(
  db: Db,
  model: M,
  options: Omit<ScanOptions<M, any>, 'table'> = {},
): Promise<Page<ItemOf<M>>> {
  const table = db.tableName(model.table)
  const params = scanParams(model, { ...options, table })
  const scope = { table, index: options.index === undefined ? undefined : `scan:${options.index}` }
  const segments = options.segments ?? 1
  if (!Number.isSafeInteger(segments) || segments < 1 || segments > 1_000_000) {
    throw new ValidationError('segments must be a positive integer')
  }
  if (segments === 1) {
    if (options.cursor !== undefined)
      params.ExclusiveStartKey = decodeCursor(options.cursor, scope, db.options.cursorSecret)
    return readPages(
      db,
      model,
      table,
      params,
      (input) => db.send(new ScanCommand({ ...params, ...input })),
      options,
      scope,
    )
  }
  if (options.cursor !== undefined)
    throw new ValidationError('A parallel scan reads every segment to the end; it takes no cursor')
  const pages = await Promise.all(
    Array.from({ length: segments }, (_, segment) =>
      readPages(
        db,
        model,
        table,
        params,
        (input) =>
          db.send(new ScanCommand({ ...params, ...input, Segment: segment, TotalSegments: segments })),
        { pages: 'all' },
        scope,
      ),
    ),
  )
  return {
    items: pages.flatMap((page) => page.items),
    cursor: undefined,
    count: pages.reduce((sum, page) => sum + page.count, 0),
    scannedCount: pages.reduce((sum, page) => sum + page.scannedCount, 0),
  }
}
