// Item collections: the entities that share one partition (a payment and its refunds) read by one
// Query, each item decoded, and decrypted, by its own model: single-table design's one call, one view.
// A function of the Db rather than a Db method: Db must not import the read operations, so that a
// bundle without models (the middleware stack) stays small (test/bundle-boundaries.test.ts).
import { type AttributeValue, QueryCommand, type QueryCommandInput } from '@aws-sdk/client-dynamodb'
import { decodeCursor } from './cursor.ts'
import type { Db } from './db.ts'
import { ValidationError } from './errors.ts'
import { allOf, compileCondition } from './expressions/condition.ts'
import { Placeholders } from './expressions/placeholders.ts'
import { compileProjection } from './expressions/projection.ts'
import { hasAllVariables, type KeyTemplate, renderKey } from './key-template.ts'
import type { AttributeMap } from './marshall.ts'
import { type AnyModel, assertPlainPath, type ItemOf, modelEncoder, type PlainItemOf } from './model.ts'
import type { QueryKey } from './operations/query.ts'
import { expiryFilter, type Page, readPages } from './operations/read-pages.ts'
import { readItem } from './operations/write-support.ts'

/** The members of a collection, by the name their items come back under. */
export type CollectionMembers = Readonly<Record<string, AnyModel>>

type PartitionKeyOf<M extends AnyModel> = Pick<QueryKey<M>, NonNullable<M['~types']>['pkNames']>
/**
 * A member's partition-key values: they all render the same partition, so any member's names do
 * (an object type has no "first" property to pick one by).
 */
export type CollectionKey<T extends CollectionMembers> = { [K in keyof T]: PartitionKeyOf<T[K]> }[keyof T]
/** The attribute names a collection projection may list: any member's plain (unencrypted) ones. */
export type CollectionAttributeNames<T extends CollectionMembers> = {
  [K in keyof T]: keyof PlainItemOf<T[K]> & string
}[keyof T]
type Projected<M extends AnyModel, P> = [P] extends [never] ? ItemOf<M> : Pick<ItemOf<M>, P & keyof ItemOf<M>>

export interface CollectionQueryOptions<P extends string = never> {
  /** Strongly consistent: every member as of the same moment, including the caller's own writes. */
  consistent?: boolean
  /** At most this many items across members (pages are read until it is met, unless `pages` is given). */
  limit?: number
  /** Where a previous query of a collection with the same entities stopped. */
  cursor?: string
  /** Pages to read (default 1); 'all' reads until the end. */
  pages?: number | 'all'
  /** 'asc' (default) or 'desc' by sort key. */
  order?: 'asc' | 'desc'
  /** Attributes to read, from any member; a member's items carry those it has. Encrypted ones cannot be listed. */
  projection?: readonly P[]
  /** Members with a TTL: return items whose TTL has passed (DynamoDB deletes them only eventually). */
  includeExpired?: boolean
  now?: Date
}

export interface CollectionPage<T extends CollectionMembers, P = never> extends Omit<Page<never>, 'items'> {
  /** Each member's items (an empty list when it has none), in sort-key order. */
  items: { -readonly [K in keyof T]: Projected<T[K], P>[] }
}

export interface ItemCollection<T extends CollectionMembers> {
  /** Queries the partition that `key` names for the members' items, in one Query per page. */
  query<const P extends CollectionAttributeNames<T> = never>(
    key: CollectionKey<T>,
    options?: CollectionQueryOptions<P>,
  ): Promise<CollectionPage<T, P>>
}

// Same literal text and as many variables in the same places: the same values render the same
// partition whatever the variables are called ('PAYMENT#{id}' and 'PAYMENT#{paymentId}').
function samePartition(a: KeyTemplate, b: KeyTemplate): boolean {
  return a.variables.length === b.variables.length && a.literals.every((text, i) => text === b.literals[i])
}

function checkedMembers(members: CollectionMembers): [string, AnyModel][] {
  const entries = typeof members === 'object' && members !== null ? Object.entries(members) : []
  const [first] = entries
  if (first === undefined) throw new ValidationError('An item collection needs at least one member model')
  const [, lead] = first
  const names = new Set<string>()
  for (const [name, model] of entries) {
    if (typeof model !== 'object' || model === null || typeof model['~entity'] !== 'function') {
      throw new ValidationError(`Collection member ${name} is not a model`)
    }
    const mismatch =
      model.table !== lead.table
        ? `is on table ${model.table}, not ${lead.table}`
        : model.pkAttribute !== lead.pkAttribute
          ? `has partition key attribute ${model.pkAttribute}, not ${lead.pkAttribute}`
          : !samePartition(model.pk, lead.pk)
            ? `has partition key ${model.pk.source}, which does not render the partition ${lead.pk.source} does`
            : names.has(model.name)
              ? `repeats the entity ${model.name}: its items could not be told apart`
              : undefined
    if (mismatch !== undefined)
      throw new ValidationError(`Collection member ${name} (${model.name}) ${mismatch}`)
    names.add(model.name)
  }
  return entries
}

// The partition the key names. Values given for several members must agree: a key naming two
// partitions is refused rather than one of them picked.
function partitionOf(entries: [string, AnyModel][], key: unknown): string {
  const values = (typeof key === 'object' && key !== null ? key : {}) as Record<string, unknown>
  const rendered = new Set(
    entries
      .filter(([, model]) => hasAllVariables(model.pk, values))
      .map(([, model]) => renderKey(model.pk, values, model.delimiter)),
  )
  const [partition] = rendered
  if (partition === undefined) {
    const lead = entries[0]![1]
    const missing = lead.pk.variables.find((name) => values[name] === undefined || values[name] === null)
    throw new ValidationError(`${lead.name}: a collection query needs the partition key value ${missing}`)
  }
  if (rendered.size > 1) throw new ValidationError('The key values name more than one partition')
  return partition
}

/**
 * The cursor's scope: the table and the members' entities, in a name no DynamoDB index can have, so
 * a model query's cursor (or another collection's) is refused instead of resuming at a foreign position.
 */
function cursorScope(entries: [string, AnyModel][], table: string) {
  return { table, index: `collection${JSON.stringify(entries.map(([, model]) => model.name).sort())}` }
}

/** The Query input of a collection: pure and synchronous. `exclusiveStartKey` comes from a decoded cursor. */
export function collectionQueryParams<T extends CollectionMembers>(
  members: T,
  key: CollectionKey<T>,
  options: Omit<CollectionQueryOptions<string>, 'cursor'> & { table?: string } = {},
  exclusiveStartKey?: Record<string, AttributeValue>,
): QueryCommandInput {
  const entries = checkedMembers(members)
  const lead = entries[0]![1]
  const placeholders = new Placeholders()
  const pk = placeholders.value({ S: partitionOf(entries, key) })
  // Only the members' entities, each unexpired by its own TTL: other entities sharing the partition
  // are never returned, and each value is encoded by its own model's schema.
  const filter = entries
    .map(([, model]) => {
      const own = allOf(
        { op: 'compare', path: model.entityAttribute, comparator: '=', value: model.name },
        expiryFilter(model, options),
      )!
      return `(${compileCondition(own, placeholders, modelEncoder(model, 'filters'))})`
    })
    .join(' OR ')
  const params: QueryCommandInput = {
    TableName: options.table ?? lead.table,
    KeyConditionExpression: `${placeholders.name(lead.pkAttribute)} = ${pk}`,
    FilterExpression: filter,
  }
  if (options.projection !== undefined) {
    for (const [, model] of entries) {
      for (const path of options.projection) assertPlainPath(model, path, 'projections')
    }
    // The entity attribute tells which member an item belongs to; an empty projection stays empty so
    // that it is refused, as a model query's is.
    const entityAttributes = entries.map(([, model]) => model.entityAttribute)
    const paths = options.projection.length === 0 ? [] : [...options.projection, ...entityAttributes]
    params.ProjectionExpression = compileProjection(paths, placeholders)
  }
  if (options.limit !== undefined) {
    if (!Number.isSafeInteger(options.limit) || options.limit < 1)
      throw new ValidationError('limit must be a positive integer')
    params.Limit = options.limit
  }
  if (options.consistent) params.ConsistentRead = true
  if (options.order === 'desc') params.ScanIndexForward = false
  if (exclusiveStartKey !== undefined) params.ExclusiveStartKey = exclusiveStartKey
  return placeholders.attach(params)
}

/**
 * The members' items of one partition, through `db` (its client, table names, cursor secret and item
 * transformer). Members must share the table, the partition-key attribute and the partition-key
 * template's shape, and be distinct entities; otherwise a ValidationError here, at definition.
 */
export function itemCollection<const T extends CollectionMembers>(db: Db, members: T): ItemCollection<T> {
  const entries = checkedMembers(members)
  const lead = entries[0]![1]
  return {
    async query<const P extends CollectionAttributeNames<T> = never>(
      key: CollectionKey<T>,
      options: CollectionQueryOptions<P> = {},
    ): Promise<CollectionPage<T, P>> {
      const table = db.tableName(lead.table)
      const scope = cursorScope(entries, table)
      const start =
        options.cursor === undefined
          ? undefined
          : decodeCursor(options.cursor, scope, db.options.cursorSecret)
      const params = collectionQueryParams(members, key, { ...options, table }, start)
      // readPages pages, limits and signs the cursor but decodes by one model: the raw items are kept
      // here and each is decoded by its own member.
      const stored: AttributeMap[] = []
      const page = await readPages(
        db,
        lead,
        table,
        params,
        async (input) => {
          const output = await db.send(new QueryCommand({ ...params, ...input }))
          stored.push(...(output.Items ?? []))
          return { ...output, Items: [] }
        },
        options,
        scope,
      )
      const items = Object.fromEntries(entries.map(([name]) => [name, [] as unknown[]]))
      const decoded = await Promise.all(
        stored.map(async (item) => {
          // The filter lets only the members' entities through.
          const [name, model] = entries.find(([, member]) => item[member.entityAttribute]?.S === member.name)!
          return [name, await readItem(db, model, table, item)] as const
        }),
      )
      for (const [name, item] of decoded) items[name]!.push(item)
      return { ...page, items } as CollectionPage<T, P>
    },
  }
}
