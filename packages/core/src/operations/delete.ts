import {
  DeleteItemCommand,
  type DeleteItemCommandInput,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb'
import type { Db } from '../db.ts'
import {
  allOf,
  type Condition,
  type ConditionBuilder,
  compileCondition,
  conditions,
} from '../expressions/condition.ts'
import { Placeholders } from '../expressions/placeholders.ts'
import {
  type AnyModel,
  type ItemOf,
  type KeyOf,
  keyAttributes,
  modelEncoder,
  type PlainItemOf,
} from '../model.ts'
import { mapConditionFailure, readItem } from './write-support.ts'

export interface DeleteOptions<M extends AnyModel> {
  table?: string
  where?: (c: ConditionBuilder<PlainItemOf<M>>) => Condition
  /** Delete only at this version (optimistic locking); otherwise OptimisticLockError. */
  expectedVersion?: number
  /** Fail with NotFoundError when there is nothing to delete. */
  mustExist?: boolean
}

export interface BuiltDelete {
  input: DeleteItemCommandInput
  expectedVersion: number | undefined
}

export function buildDelete<M extends AnyModel>(
  model: M,
  key: KeyOf<M>,
  options: DeleteOptions<M> = {},
): BuiltDelete {
  const params: DeleteItemCommandInput = {
    TableName: options.table ?? model.table,
    Key: keyAttributes(model, key),
    ReturnValues: 'ALL_OLD',
  }
  const expectedVersion = model.version === undefined ? undefined : options.expectedVersion
  const condition = allOf(
    options.mustExist || expectedVersion !== undefined
      ? { op: 'exists', path: model.pkAttribute }
      : undefined,
    expectedVersion !== undefined
      ? { op: 'compare', path: model.version!, comparator: '=', value: expectedVersion }
      : undefined,
    options.where?.(conditions),
  )
  if (condition === undefined) return { input: params, expectedVersion }
  const placeholders = new Placeholders()
  params.ConditionExpression = compileCondition(condition, placeholders, modelEncoder(model, 'conditions'))
  params.ReturnValuesOnConditionCheckFailure = 'ALL_OLD'
  return { input: placeholders.attach(params), expectedVersion }
}

/** The DeleteItem input: pure and synchronous. */
export function deleteParams<M extends AnyModel>(
  model: M,
  key: KeyOf<M>,
  options?: DeleteOptions<M>,
): DeleteItemCommandInput {
  return buildDelete(model, key, options).input
}

/** Deletes an item; returns the deleted item, or undefined when there was none. */
export async function deleteItem<M extends AnyModel>(
  db: Db,
  model: M,
  key: KeyOf<M>,
  options: Omit<DeleteOptions<M>, 'table'> = {},
): Promise<ItemOf<M> | undefined> {
  const table = db.tableName(model.table)
  const built = buildDelete(model, key, { ...options, table })
  try {
    const output = await db.send(new DeleteItemCommand(built.input))
    return output.Attributes === undefined ? undefined : await readItem(db, model, table, output.Attributes)
  } catch (error) {
    throw await mapConditionFailure(error, db, model, table, {
      expectedVersion: built.expectedVersion,
      requireExisting: options.mustExist || built.expectedVersion !== undefined,
    })
  }
}

export function deleteTransactItem<M extends AnyModel>(
  db: Db,
  model: M,
  key: KeyOf<M>,
  options: Omit<DeleteOptions<M>, 'table'> = {},
): TransactWriteItem {
  const { input } = buildDelete(model, key, { ...options, table: db.tableName(model.table) })
  const { ReturnValues: _ignored, ...rest } = input
  return { Delete: rest as NonNullable<TransactWriteItem['Delete']> }
}
