// create (fails if the item exists) and put (explicit replace). PutItem cannot use if_not_exists, so a
// put keeps createdAt only when the caller passes it back; create always sets it.
import { PutItemCommand, type PutItemCommandInput, type TransactWriteItem } from '@aws-sdk/client-dynamodb'
import type { Db } from '../db.ts'
import { ValidationError } from '../errors.ts'
import type { Condition, ConditionBuilder } from '../expressions/condition.ts'
import { Placeholders } from '../expressions/placeholders.ts'
import { assertItemSize } from '../item-size.ts'
import type { AttributeMap } from '../marshall.ts'
import {
  type AnyModel,
  fromStoredItem,
  type InputOf,
  type ItemOf,
  type PlainItemOf,
  toStoredItem,
} from '../model.ts'
import { attachCondition, writeCondition } from './write-condition.ts'
import { sameStoredItem, sendWrite, transformForWrite } from './write-support.ts'

export interface PutOptions<M extends AnyModel> {
  /** Physical table name (default: the model's logical table name). */
  table?: string
  /** An extra condition the existing item (if any) must meet. */
  where?: (c: ConditionBuilder<PlainItemOf<M>>) => Condition
  /** For tests and replays: the write's time. */
  now?: Date
}

/** create: `attribute_not_exists(pk)`; put: replace, checking the version when the model has one. */
export type PutMode = 'create' | 'put'

export interface BuiltPut {
  input: PutItemCommandInput & { Item: AttributeMap; TableName: string }
  expectedVersion: number | undefined
}

/** Builds a create or put without sending: pure and synchronous. */
export function buildPut<M extends AnyModel>(
  model: M,
  data: InputOf<M>,
  mode: PutMode,
  options: PutOptions<M> = {},
): BuiltPut {
  const input = data as Record<string, unknown>
  const versionGiven = model.version === undefined ? undefined : input[model.version]
  if (
    versionGiven !== undefined &&
    (typeof versionGiven !== 'number' || !Number.isSafeInteger(versionGiven))
  ) {
    throw new ValidationError(`${model.name}: ${model.version} must be an integer`)
  }
  const expectedVersion = mode === 'put' ? (versionGiven as number | undefined) : undefined
  const item = toStoredItem(model, input, {
    now: (options.now ?? new Date()).toISOString(),
    version: expectedVersion === undefined ? 1 : expectedVersion + 1,
  })
  if (mode === 'create' && model.timestamps) item.createdAt = item.updatedAt!
  assertItemSize(item)
  const placeholders = new Placeholders()
  // A versioned put without a version may only create: it cannot know what it would overwrite.
  const mustBeNew = mode === 'create' || (model.version !== undefined && expectedVersion === undefined)
  const condition = writeCondition(model, { mustBeNew, expectedVersion, where: options.where })
  const params: PutItemCommandInput & { Item: AttributeMap; TableName: string } = {
    TableName: options.table ?? model.table,
    Item: item,
  }
  return {
    input: placeholders.attach(attachCondition(model, params, condition, placeholders)),
    expectedVersion,
  }
}

/** The PutItem input for a create (fails if the item exists). */
export function createParams<M extends AnyModel>(
  model: M,
  data: InputOf<M>,
  options?: PutOptions<M>,
): PutItemCommandInput {
  return buildPut(model, data, 'create', options).input
}

/** The PutItem input for a put (replace). */
export function putParams<M extends AnyModel>(
  model: M,
  data: InputOf<M>,
  options?: PutOptions<M>,
): PutItemCommandInput {
  return buildPut(model, data, 'put', options).input
}

/** Sends a create or put through the db; returns the item as stored. */
export async function putItem<M extends AnyModel>(
  db: Db,
  model: M,
  data: InputOf<M>,
  mode: PutMode,
  options: Omit<PutOptions<M>, 'table'> = {},
): Promise<ItemOf<M>> {
  const table = db.tableName(model.table)
  const built = buildPut(model, data, mode, { ...options, table })
  const plainItem = built.input.Item
  built.input.Item = await transformForWrite(db, model, table, plainItem)
  if (built.input.Item !== plainItem) assertItemSize(built.input.Item)
  await sendWrite(db, model, table, () => db.send(new PutItemCommand(built.input)), {
    expectedVersion: built.expectedVersion,
    // A replace at a version needs the item, as update and delete at a version do: gone is NotFound.
    requireExisting: built.expectedVersion !== undefined,
    // A resend refused by the item its lost first copy wrote: every attribute, the version and this
    // call's own millisecond stamps, so a concurrent writer's item is never taken for it.
    ownAnswer: (stored) => (sameStoredItem(stored, built.input.Item) ? {} : undefined),
  })
  return fromStoredItem(model, plainItem)
}

/** The create or put as one TransactWriteItem (for a unit of work). */
export async function putTransactItem<M extends AnyModel>(
  db: Db,
  model: M,
  data: InputOf<M>,
  mode: PutMode,
  options: Omit<PutOptions<M>, 'table'> = {},
): Promise<TransactWriteItem> {
  const table = db.tableName(model.table)
  const { input } = buildPut(model, data, mode, { ...options, table })
  input.Item = await transformForWrite(db, model, table, input.Item)
  return { Put: input as NonNullable<TransactWriteItem['Put']> }
}
