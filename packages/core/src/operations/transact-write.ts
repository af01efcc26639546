// TransactWriteItems: all or nothing, up to 100 items, idempotent for 10 minutes through the
// ClientRequestToken. Cancellation reasons come back mapped to the item that failed.
import {
  type TransactWriteItem,
  TransactWriteItemsCommand,
  type TransactWriteItemsCommandInput,
} from '@aws-sdk/client-dynamodb'
import type { Db } from '../db.ts'
import { TransactionTooLargeError, ValidationError } from '../errors.ts'
import type { Condition, ConditionBuilder } from '../expressions/condition.ts'
import { Placeholders } from '../expressions/placeholders.ts'
import { type AnyModel, type KeyOf, keyAttributes, type PlainItemOf } from '../model.ts'
import {
  type ConflictRetryOptions,
  conflictRetryPlan,
  withConflictRetries,
} from '../transaction-conflict-retry.ts'
import { MAX_TRANSACTION_ITEMS } from '../unit-of-work.ts'
import { attachCondition, writeCondition } from './write-condition.ts'

/** The TransactWriteItems input: checks the size limit before anything is sent. */
export function transactWriteParams(
  items: readonly TransactWriteItem[],
  clientRequestToken?: string,
): TransactWriteItemsCommandInput {
  if (items.length === 0) throw new ValidationError('A transaction needs at least one item')
  if (items.length > MAX_TRANSACTION_ITEMS) throw new TransactionTooLargeError(items.length)
  const params: TransactWriteItemsCommandInput = { TransactItems: [...items] }
  if (clientRequestToken !== undefined) {
    if (clientRequestToken.length < 1 || clientRequestToken.length > 36) {
      throw new ValidationError('A ClientRequestToken has 1 to 36 characters')
    }
    params.ClientRequestToken = clientRequestToken
  }
  return params
}

/**
 * Sends the items as one transaction. A TransactionCancelledError's `reasons[i]` belongs to
 * `items[i]` (code, message, old item for failed conditions, table and key). With `conflictRetries`
 * (and a `clientRequestToken`), a cancellation caused only by TransactionConflict is sent again.
 */
export async function transactWrite(
  db: Db,
  items: readonly TransactWriteItem[],
  options: { clientRequestToken?: string } & ConflictRetryOptions = {},
): Promise<void> {
  // Options arrive untyped from JavaScript callers too: a null is refused by the plan, not a TypeError.
  const plan = conflictRetryPlan(options, options?.clientRequestToken !== undefined)
  const params = transactWriteParams(items, options.clientRequestToken)
  await withConflictRetries(plan, () => db.send(new TransactWriteItemsCommand(params)))
}

/** A ConditionCheck item: the transaction only succeeds if this item meets `where`. */
export function conditionCheckParams<M extends AnyModel>(
  model: M,
  key: KeyOf<M>,
  where: (c: ConditionBuilder<PlainItemOf<M>>) => Condition,
  options: { table?: string; mustExist?: boolean } = {},
): TransactWriteItem {
  const placeholders = new Placeholders()
  const condition = writeCondition(model, { mustExist: options.mustExist !== false, where })
  // `where` is required, so there is always a condition and attachCondition always sets it.
  const check = { TableName: options.table ?? model.table, Key: keyAttributes(model, key) }
  attachCondition(model, check as { ConditionExpression?: string }, condition, placeholders)
  return { ConditionCheck: placeholders.attach(check) as NonNullable<TransactWriteItem['ConditionCheck']> }
}
