// What every write and read shares once params are built: the item transformer (field-level
// encryption) and the mapping of a failed condition to the error a caller can act on.
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import type { Db } from '../db.ts'
import {
  ConditionFailedError,
  isDynamormError,
  NotFoundError,
  OptimisticLockError,
  ValidationError,
} from '../errors.ts'
import type { ItemTransformContext } from '../item-transformer.ts'
import type { AttributeMap } from '../marshall.ts'
import { type AnyModel, fromStoredItem, type ItemOf, keyAttributes } from '../model.ts'

export interface WriteOptionsBase {
  /** Physical table name (default: the model's logical table name, unresolved). */
  table?: string
}

function transformContext(model: AnyModel, table: string, item: AttributeMap): ItemTransformContext {
  const key: AttributeMap = {}
  for (const name of [model.pkAttribute, model.skAttribute])
    if (item[name] !== undefined) key[name] = item[name]
  return { table, model: model.name, key, encryptedAttributes: model.encrypted }
}

/**
 * Runs the db's transformer over an item about to be written, when the model has encrypted attributes.
 * `partialKey` is the item's key when `item` holds only some attributes (an update's SET values).
 */
export async function transformForWrite(
  db: Db,
  model: AnyModel,
  table: string,
  item: AttributeMap,
  partialKey?: AttributeMap,
): Promise<AttributeMap> {
  if (model.encrypted.length === 0 || !model.encrypted.some((name) => item[name] !== undefined)) return item
  const transformer = db.options.transformer
  // Payment-grade default: never store a field marked encrypted in clear because a codec is missing.
  if (transformer === undefined) {
    throw new ValidationError(`${model.name} has encrypted attributes but the db has no item transformer`)
  }
  return transformer.beforeWrite(item, {
    ...transformContext(model, table, partialKey ?? item),
    partial: partialKey !== undefined,
  })
}

/** Runs the db's transformer over an item just read, then decodes it to the model's item type. */
export async function readItem<M extends AnyModel>(
  db: Db,
  model: M,
  table: string,
  stored: AttributeMap,
): Promise<ItemOf<M>> {
  const transformer = db.options.transformer
  const plain =
    model.encrypted.length > 0 &&
    transformer !== undefined &&
    model.encrypted.some((name) => stored[name] !== undefined)
      ? await transformer.afterRead(stored, transformContext(model, table, stored))
      : stored
  return fromStoredItem(model, plain)
}

/** The key map for `keyValues`, for error details. */
export function keyFor(model: AnyModel, keyValues: Record<string, unknown>): AttributeMap {
  return keyAttributes(model, keyValues)
}

/**
 * A failed condition becomes: NotFoundError when the write required the item and it is gone,
 * OptimisticLockError when the stored version differs from the expected one, else ConditionFailedError
 * carrying the old item (ALL_OLD), decoded by the model.
 */
export async function mapConditionFailure(
  error: unknown,
  db: Db,
  model: AnyModel,
  table: string,
  context: { expectedVersion?: number | undefined; requireExisting?: boolean },
): Promise<unknown> {
  if (!isDynamormError(error, 'ConditionFailedError')) return error
  const raw = ((error as { cause?: { Item?: Record<string, AttributeValue> } }).cause?.Item ?? undefined) as
    | AttributeMap
    | undefined
  const old = raw === undefined ? undefined : await readItem(db, model, table, raw).catch(() => undefined)
  if (raw === undefined && context.requireExisting) {
    return new NotFoundError(`${model.name} not found`, { cause: error })
  }
  if (model.version !== undefined && context.expectedVersion !== undefined && raw !== undefined) {
    const stored = Number(raw[model.version]?.N)
    if (stored !== context.expectedVersion) {
      return new OptimisticLockError(
        `${model.name} is at version ${stored}, not ${context.expectedVersion}: reload and retry`,
        old as Record<string, unknown> | undefined,
        {
          cause: error,
          details: { item: old, expectedVersion: context.expectedVersion, actualVersion: stored },
        },
      )
    }
  }
  return new ConditionFailedError(
    `${model.name}: the condition did not hold`,
    old as Record<string, unknown>,
    {
      cause: error,
      details: { item: old },
    },
  )
}

/**
 * Sends a write; a failed condition becomes the error mapConditionFailure picks, and returned
 * attributes (ReturnValues) come back decoded.
 */
export async function sendWrite<M extends AnyModel>(
  db: Db,
  model: M,
  table: string,
  send: () => Promise<{ Attributes?: Record<string, AttributeValue> | undefined }>,
  failure: { expectedVersion: number | undefined; requireExisting?: boolean },
): Promise<ItemOf<M> | undefined> {
  let output: { Attributes?: Record<string, AttributeValue> | undefined }
  try {
    output = await send()
  } catch (error) {
    throw await mapConditionFailure(error, db, model, table, failure)
  }
  return output.Attributes === undefined ? undefined : readItem(db, model, table, output.Attributes)
}

/** A write's input as a transaction item: TransactWriteItems takes no ReturnValues. */
export function withoutReturnValues<T extends { ReturnValues?: unknown }>(input: T): Omit<T, 'ReturnValues'> {
  const { ReturnValues: _ignored, ...rest } = input
  return rest
}

/** The TTL is projected to hide expired items; it is not returned unless it was asked for. */
export function withoutUnaskedTtl(
  model: AnyModel,
  stored: AttributeMap,
  projection: readonly unknown[] | undefined,
): AttributeMap {
  if (projection === undefined || model.ttl === undefined || projection.includes(model.ttl)) return stored
  const { [model.ttl]: _ttl, ...rest } = stored
  return rest
}
