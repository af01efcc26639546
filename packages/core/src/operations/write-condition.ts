// The condition a write sends, built the same way for put, update, delete and condition checks:
// existence, the expected version (optimistic locking), then the caller's own `where`.

import { ValidationError } from '../errors.ts'
import {
  allOf,
  type Condition,
  type ConditionBuilder,
  compileCondition,
  conditions,
} from '../expressions/condition.ts'
import type { Placeholders } from '../expressions/placeholders.ts'
import { type AnyModel, modelEncoder, type PlainItemOf } from '../model.ts'

export interface WriteGuard<M extends AnyModel> {
  /** The item must exist (update, delete with mustExist or a version, condition check). */
  mustExist?: boolean
  /** The item must not exist (create, a versioned put without a version). */
  mustBeNew?: boolean
  /** The stored version must equal this (the model's version attribute). */
  expectedVersion?: number | undefined
  where?: ((c: ConditionBuilder<PlainItemOf<M>>) => Condition) | undefined
}

/**
 * The version an update or delete is checked against. One that cannot be checked is refused, never
 * dropped: on a model without a version the write went out unconditional, a lost update.
 */
export function expectedVersionOf(model: AnyModel, expectedVersion: unknown): number | undefined {
  if (expectedVersion === undefined) return undefined
  if (model.version === undefined) {
    throw new ValidationError(`${model.name} has no version attribute: expectedVersion cannot be checked`)
  }
  if (typeof expectedVersion !== 'number' || !Number.isSafeInteger(expectedVersion)) {
    throw new ValidationError(`${model.name}: expectedVersion must be an integer`)
  }
  return expectedVersion
}

export function writeCondition<M extends AnyModel>(model: M, guard: WriteGuard<M>): Condition | undefined {
  return allOf(
    guard.mustExist ? { op: 'exists', path: model.pkAttribute } : undefined,
    guard.mustBeNew ? { op: 'notExists', path: model.pkAttribute } : undefined,
    guard.expectedVersion !== undefined
      ? { op: 'compare', path: model.version!, comparator: '=', value: guard.expectedVersion }
      : undefined,
    guard.where?.(conditions),
  )
}

/**
 * Compiles a write's condition into its input and asks for the old item when it fails (ALL_OLD), so
 * the caller's error carries it without another read.
 */
export function attachCondition<
  T extends { ConditionExpression?: string; ReturnValuesOnConditionCheckFailure?: string },
>(model: AnyModel, params: T, condition: Condition | undefined, placeholders: Placeholders): T {
  if (condition === undefined) return params
  params.ConditionExpression = compileCondition(condition, placeholders, modelEncoder(model, 'conditions'))
  params.ReturnValuesOnConditionCheckFailure = 'ALL_OLD'
  return params
}
