// Query by partition key (on the table or an explicit index). A query never falls back to a scan:
// without every partition-key value it does not compile, and at runtime it is a ValidationError.
import { type AttributeValue, QueryCommand, type QueryCommandInput } from '@aws-sdk/client-dynamodb'
import { decodeCursor } from '../cursor.ts'
import type { Db } from '../db.ts'
import { ValidationError } from '../errors.ts'
import type { Condition, ConditionBuilder } from '../expressions/condition.ts'
import { Placeholders } from '../expressions/placeholders.ts'
import { type KeyTemplate, renderKey, renderKeyPrefix, type TemplateVariables } from '../key-template.ts'
import { type AnyModel, checkKeyValues, type IndexNamesOf, type ItemOf, type PlainItemOf } from '../model.ts'
import { applyReadOptions, type Page, readPages } from './read-pages.ts'

export type { Page } from './read-pages.ts'

type Types<M extends AnyModel> = NonNullable<M['~types']>
type Vars<S> = S extends string ? TemplateVariables<S> : never
type Item<M extends AnyModel> = ItemOf<M>
type IndexDef<M extends AnyModel, N> = N extends keyof Types<M>['indexes'] ? Types<M>['indexes'][N] : never
type PkNames<M extends AnyModel, N> = [N] extends [undefined]
  ? Types<M>['pkNames']
  : IndexDef<M, N> extends { type: 'gsi'; pk: infer P }
    ? Vars<P> & keyof Item<M>
    : Types<M>['pkNames']
type SkNames<M extends AnyModel, N> = [N] extends [undefined]
  ? Types<M>['skNames']
  : IndexDef<M, N> extends { sk: infer S }
    ? Vars<S> & keyof Item<M>
    : never
type SkTemplate<M extends AnyModel, N> = [N] extends [undefined]
  ? Types<M>['skTemplate']
  : IndexDef<M, N> extends { sk: infer S }
    ? S
    : undefined
type Values<M extends AnyModel, K> = { [P in K & keyof Item<M>]: NonNullable<Item<M>[P]> }

/** What a query on index N (undefined: the table) takes: every partition-key value, a prefix of sort-key values. */
export type QueryKey<M extends AnyModel, N = undefined> = Values<M, PkNames<M, N>> &
  Partial<Values<M, Exclude<SkNames<M, N>, PkNames<M, N>>>>

type SkValues<M extends AnyModel, N> = Partial<Values<M, SkNames<M, N>>>

/** A sort-key range, in sort-key values (rendered with the template, as a prefix where incomplete). */
export type SortKeyRange<M extends AnyModel, N> =
  | { gt: SkValues<M, N> }
  | { ge: SkValues<M, N> }
  | { lt: SkValues<M, N> }
  | { le: SkValues<M, N> }
  | { between: readonly [SkValues<M, N>, SkValues<M, N>] }

export interface QueryOptions<
  M extends AnyModel,
  N extends string | undefined = undefined,
  P = keyof PlainItemOf<M>,
> {
  /** Query this secondary index (by its key in the model's `indexes`). */
  index?: N
  /** Instead of the sort-key prefix from the key values: a range (only where there is a sort key). */
  range?: SkTemplate<M, N> extends string ? SortKeyRange<M, N> : never
  filter?: (c: ConditionBuilder<PlainItemOf<M>>) => Condition
  projection?: readonly P[]
  /** 'asc' (default) or 'desc' by sort key. */
  order?: 'asc' | 'desc'
  /** At most this many items in all (pages are read until it is met, unless `pages` is given). */
  limit?: number
  /** Where a previous query stopped. */
  cursor?: string
  /** Pages to read (default 1); 'all' reads until the end. */
  pages?: number | 'all'
  consistent?: boolean
  includeExpired?: boolean
  table?: string
  now?: Date
}

interface Target {
  indexName: string | undefined
  pk: KeyTemplate
  pkAttribute: string
  sk: KeyTemplate | undefined
  skAttribute: string | undefined
}

function target(model: AnyModel, index: string | undefined): Target {
  if (index === undefined) {
    return {
      indexName: undefined,
      pk: model.pk,
      pkAttribute: model.pkAttribute,
      sk: model.sk,
      skAttribute: model.skAttribute,
    }
  }
  const runtime = model.indexes[index]
  if (runtime === undefined) throw new ValidationError(`${model.name} has no index ${index}`)
  return {
    indexName: runtime.name,
    pk: runtime.pk ?? model.pk,
    pkAttribute: runtime.pkAttribute,
    sk: runtime.sk,
    skAttribute: runtime.skAttribute,
  }
}

const RANGE_OPS = { gt: '>', ge: '>=', lt: '<', le: '<=' } as const

/** The Query input: pure and synchronous. `exclusiveStartKey` comes from a decoded cursor. */
export function queryParams<M extends AnyModel, const N extends IndexNamesOf<M> | undefined = undefined>(
  model: M,
  key: QueryKey<M, N>,
  options: QueryOptions<M, N, any> = {},
  exclusiveStartKey?: Record<string, AttributeValue>,
): QueryCommandInput {
  const values = (key ?? {}) as Record<string, unknown>
  const where = target(model, options.index)
  const missing = where.pk.variables.find((name) => values[name] === undefined || values[name] === null)
  if (missing !== undefined) {
    throw new ValidationError(
      `${model.name}: a query needs the partition key value ${missing} (scans must be asked for by name)`,
    )
  }
  checkKeyValues(model, [...where.pk.variables, ...(where.sk?.variables ?? [])], values)
  const placeholders = new Placeholders()
  const pkValue = placeholders.value({ S: renderKey(where.pk, values, model.delimiter) })
  let keyCondition = `${placeholders.name(where.pkAttribute)} = ${pkValue}`
  if (where.sk !== undefined && where.skAttribute !== undefined) {
    // Named only where a condition uses it: a template starting with a variable ('{status}#{id}') and
    // no value gives no sort-key condition, and DynamoDB rejects a name no expression uses.
    const skAttribute = where.skAttribute
    const sk = () => placeholders.name(skAttribute)
    const range = options.range as Record<string, unknown> | undefined
    if (range !== undefined) {
      const [op, bound] = Object.entries(range)[0] ?? []
      const render = (partial: unknown) => {
        checkKeyValues(model, where.sk!.variables, (partial ?? {}) as Record<string, unknown>)
        const { prefix } = renderKeyPrefix(
          where.sk!,
          (partial ?? {}) as Record<string, unknown>,
          model.delimiter,
        )
        // A template starting with a variable renders an empty bound; DynamoDB refuses an empty key value.
        if (prefix === '') {
          throw new ValidationError(
            `${model.name}: a range bound needs the first sort-key value (${where.sk!.source})`,
          )
        }
        return { S: prefix }
      }
      if (op === 'between' && Array.isArray(bound)) {
        keyCondition += ` AND ${sk()} BETWEEN ${placeholders.value(render(bound[0]))} AND ${placeholders.value(render(bound[1]))}`
      } else if (op !== undefined && op in RANGE_OPS) {
        keyCondition += ` AND ${sk()} ${RANGE_OPS[op as keyof typeof RANGE_OPS]} ${placeholders.value(render(bound))}`
      } else {
        throw new ValidationError(`${model.name}: range must be one of gt, ge, lt, le, between`)
      }
    } else {
      const { prefix, complete } = renderKeyPrefix(where.sk, values, model.delimiter)
      if (complete) keyCondition += ` AND ${sk()} = ${placeholders.value({ S: prefix })}`
      else if (prefix !== '')
        keyCondition += ` AND begins_with(${sk()}, ${placeholders.value({ S: prefix })})`
    }
  } else if (options.range !== undefined) {
    throw new ValidationError(
      `${model.name}: this ${options.index ? 'index' : 'table'} has no sort key to range over`,
    )
  }
  const params: QueryCommandInput = {
    TableName: options.table ?? model.table,
    KeyConditionExpression: keyCondition,
  }
  if (where.indexName !== undefined) params.IndexName = where.indexName
  applyReadOptions(model, params, options, placeholders)
  if (options.order === 'desc') params.ScanIndexForward = false
  if (exclusiveStartKey !== undefined) params.ExclusiveStartKey = exclusiveStartKey
  return placeholders.attach(params)
}

/** Runs a query through the db. */
export async function query<M extends AnyModel, const N extends IndexNamesOf<M> | undefined = undefined>(
  db: Db,
  model: M,
  key: QueryKey<M, N>,
  options: Omit<QueryOptions<M, N, any>, 'table'> = {},
): Promise<Page<Item<M>>> {
  const table = db.tableName(model.table)
  const scope = { table, index: options.index }
  const start =
    options.cursor === undefined ? undefined : decodeCursor(options.cursor, scope, db.options.cursorSecret)
  const params = queryParams(model, key, { ...options, table } as QueryOptions<M, N, any>, start)
  return readPages(
    db,
    model,
    table,
    params,
    (input) => db.send(new QueryCommand({ ...params, ...input })),
    options,
    scope,
  )
}

/** Counts matching items (Select COUNT: no items are transferred) across all pages. */
export async function queryCount<M extends AnyModel, const N extends IndexNamesOf<M> | undefined = undefined>(
  db: Db,
  model: M,
  key: QueryKey<M, N>,
  options: Omit<QueryOptions<M, N, any>, 'table' | 'projection' | 'cursor' | 'limit' | 'pages'> = {},
): Promise<number> {
  const table = db.tableName(model.table)
  const params = queryParams(model, key, { ...options, table } as QueryOptions<M, N, any>)
  params.Select = 'COUNT'
  const counted = await readPages(
    db,
    model,
    table,
    params,
    (input) => db.send(new QueryCommand({ ...params, ...input })),
    { pages: 'all' },
    { table, index: options.index },
  )
  return counted.count
}
