import { GetItemCommand, type GetItemCommandInput } from '@aws-sdk/client-dynamodb'
import type { Db } from '../db.ts'
import { NotFoundError } from '../errors.ts'
import { Placeholders } from '../expressions/placeholders.ts'
import { compileProjection } from '../expressions/projection.ts'
import {
  type AnyModel,
  assertPlainPath,
  type ItemOf,
  isExpired,
  type KeyOf,
  keyAttributes,
  type PlainItemOf,
} from '../model.ts'
import { readItem, withoutUnaskedTtl } from './write-support.ts'

export interface GetOptions<
  M extends AnyModel,
  P extends keyof PlainItemOf<M> & string = keyof PlainItemOf<M> & string,
> {
  table?: string
  /** Strongly consistent read (twice the read capacity). */
  consistent?: boolean
  /** Only these attributes (encrypted attributes cannot be projected). */
  projection?: readonly P[]
  /** Return items whose TTL has passed but that DynamoDB has not deleted yet (default false). */
  includeExpired?: boolean
}

/** The GetItem input: pure and synchronous. */
export function getParams<M extends AnyModel>(
  model: M,
  key: KeyOf<M>,
  options: GetOptions<M, any> = {},
): GetItemCommandInput {
  const params: GetItemCommandInput = {
    TableName: options.table ?? model.table,
    Key: keyAttributes(model, key),
  }
  if (options.consistent) params.ConsistentRead = true
  if (options.projection !== undefined) {
    const placeholders = new Placeholders()
    for (const path of options.projection) assertPlainPath(model, path, 'projections')
    const paths = model.ttl === undefined ? options.projection : [...options.projection, model.ttl]
    params.ProjectionExpression = compileProjection(paths, placeholders)
    return placeholders.attach(params)
  }
  return params
}

/** Reads one item; undefined when absent (or expired). */
export async function getItem<M extends AnyModel>(
  db: Db,
  model: M,
  key: KeyOf<M>,
  options: Omit<GetOptions<M, any>, 'table'> = {},
): Promise<ItemOf<M> | undefined> {
  const table = db.tableName(model.table)
  const output = await db.send(new GetItemCommand(getParams(model, key, { ...options, table })))
  if (output.Item === undefined) return undefined
  if (!options.includeExpired && isExpired(model, output.Item, Math.floor(Date.now() / 1000)))
    return undefined
  return readItem(db, model, table, withoutUnaskedTtl(model, output.Item, options.projection))
}

/** Reads one item; NotFoundError (404) when absent. */
export async function getItemOrThrow<M extends AnyModel>(
  db: Db,
  model: M,
  key: KeyOf<M>,
  options: Omit<GetOptions<M, any>, 'table'> = {},
): Promise<ItemOf<M>> {
  const item = await getItem(db, model, key, options)
  if (item === undefined) throw new NotFoundError(`${model.name} not found`, { details: { key } })
  return item
}
