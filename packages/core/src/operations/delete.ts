import {
  DeleteItemCommand,
  type DeleteItemCommandInput,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb'
import type { Db } from '../db.ts'
import type { Condition, ConditionBuilder } from '../expressions/condition.ts'
import { Placeholders } from '../expressions/placeholders.ts'
import {
  type AnyModel,
  type ExpectedVersionOf,
  type ItemOf,
  type KeyOf,
  keyAttributes,
  type PlainItemOf,
} from '../model.ts'
import { attachCondition, expectedVersionOf, writeCondition } from './write-condition.ts'
import { sendWrite, withoutReturnValues } from './write-support.ts'

export interface DeleteOptions<M extends AnyModel> {
  table?: string
  where?: (c: ConditionBuilder<PlainItemOf<M>>) => Condition
  /** Delete only at this version (optimistic locking); otherwise OptimisticLockError. Versioned models only. */
  expectedVersion?: ExpectedVersionOf<M>
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
  const expectedVersion = expectedVersionOf(model, options.expectedVersion)
  const placeholders = new Placeholders()
  const condition = writeCondition(model, {
    mustExist: options.mustExist || expectedVersion !== undefined,
    expectedVersion,
    where: options.where,
  })
  return {
    input: placeholders.attach(attachCondition(model, params, condition, placeholders)),
    expectedVersion,
  }
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
  return sendWrite(db, model, table, () => db.send(new DeleteItemCommand(built.input)), {
    expectedVersion: built.expectedVersion,
    requireExisting: options.mustExist || built.expectedVersion !== undefined,
  })
}

export function deleteTransactItem<M extends AnyModel>(
  db: Db,
  model: M,
  key: KeyOf<M>,
  options: Omit<DeleteOptions<M>, 'table'> = {},
): TransactWriteItem {
  const { input } = buildDelete(model, key, { ...options, table: db.tableName(model.table) })
  return { Delete: withoutReturnValues(input) as NonNullable<TransactWriteItem['Delete']> }
}
