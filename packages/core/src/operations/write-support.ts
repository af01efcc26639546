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
import { type AttributeMap, storedNumber } from '../marshall.ts'
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
 * The SDK's attempt count on a failed call: above 1, an earlier copy of this write was sent and may
 * have landed with its answer lost (a connection reset on the way back), so this refusal may be its own.
 */
function attemptsOf(error: unknown): number {
  return (error as { cause?: { $metadata?: { attempts?: number } } }).cause?.$metadata?.attempts ?? 1
}

/**
 * A failed condition becomes: NotFoundError when the write required the item and it is gone,
 * OptimisticLockError when the stored version differs from the expected one, else ConditionFailedError
 * carrying the old item (ALL_OLD), decoded by the model. Refused on a resend and not proven this call's
 * own write, it says so: `details.outcome: 'unknown'`, the earlier attempt may have landed.
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
  const resent = attemptsOf(error) > 1
  const unknown = resent ? { outcome: 'unknown' } : {}
  const maybeLanded = resent ? ` (sent ${attemptsOf(error)} times: an earlier attempt may have landed)` : ''
  if (raw === undefined && context.requireExisting) {
    return new NotFoundError(`${model.name} not found${maybeLanded}`, { cause: error, details: unknown })
  }
  if (model.version !== undefined && context.expectedVersion !== undefined && raw !== undefined) {
    const stored = Number(raw[model.version]?.N)
    if (stored !== context.expectedVersion) {
      return new OptimisticLockError(
        `${model.name} is at version ${stored}, not ${context.expectedVersion}: reload and retry${maybeLanded}`,
        old as Record<string, unknown> | undefined,
        {
          cause: error,
          details: { item: old, expectedVersion: context.expectedVersion, actualVersion: stored, ...unknown },
        },
      )
    }
  }
  return new ConditionFailedError(
    `${model.name}: the condition did not hold${maybeLanded}`,
    old as Record<string, unknown>,
    {
      cause: error,
      details: { item: old, ...unknown },
    },
  )
}

/** What a write tells its caller: the attributes DynamoDB returned (ReturnValues), if any. */
export interface WriteAnswer {
  Attributes?: Record<string, AttributeValue> | undefined
}

export interface WriteFailure {
  expectedVersion: number | undefined
  requireExisting?: boolean
  /**
   * Given the item a resend was refused by, the answer the first copy would have had when that item is
   * exactly what this call wrote; undefined when that cannot be proven (another writer's item).
   */
  ownAnswer?: (stored: AttributeMap) => WriteAnswer | undefined
}

/**
 * Sends a write; a failed condition becomes the error mapConditionFailure picks, and returned
 * attributes (ReturnValues) come back decoded. A write DynamoDB applied whose answer was lost is sent
 * again by the SDK and refused by its own first copy: when the item met is provably this call's, that
 * refusal is the first copy's success.
 */
export async function sendWrite<M extends AnyModel>(
  db: Db,
  model: M,
  table: string,
  send: () => Promise<WriteAnswer>,
  failure: WriteFailure,
): Promise<ItemOf<M> | undefined> {
  let output: WriteAnswer
  try {
    output = await send()
  } catch (error) {
    const met =
      isDynamormError(error, 'ConditionFailedError') && attemptsOf(error) > 1
        ? (error as { cause?: { Item?: AttributeMap } }).cause?.Item
        : undefined
    const own = met === undefined ? undefined : failure.ownAnswer?.(met)
    if (own === undefined) throw await mapConditionFailure(error, db, model, table, failure)
    output = own
  }
  return output.Attributes === undefined ? undefined : readItem(db, model, table, output.Attributes)
}

/** Whether two stored values are the same: sets in any order, numbers in any form DynamoDB reads back. */
export function sameStoredValue(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  if (a.S !== undefined) return a.S === b.S
  if (a.N !== undefined) return b.N !== undefined && sameNumber(a.N, b.N)
  if (a.BOOL !== undefined) return a.BOOL === b.BOOL
  if (a.NULL !== undefined) return b.NULL !== undefined
  if (a.B !== undefined) return b.B !== undefined && Buffer.from(a.B).equals(Buffer.from(b.B))
  if (a.SS !== undefined) return b.SS !== undefined && sameMembers(a.SS, b.SS, (x, y) => x === y)
  if (a.NS !== undefined) return b.NS !== undefined && sameMembers(a.NS, b.NS, sameNumber)
  if (a.BS !== undefined) {
    return b.BS !== undefined && sameMembers(a.BS, b.BS, (x, y) => Buffer.from(x).equals(Buffer.from(y)))
  }
  if (a.L !== undefined) {
    return b.L !== undefined && a.L.length === b.L.length && a.L.every((v, i) => sameStoredValue(v, b.L![i]))
  }
  return a.M !== undefined && b.M !== undefined && sameStoredItem(a.M, b.M)
}

/** Whether two stored items hold the same attributes with the same values. */
export function sameStoredItem(a: AttributeMap, b: AttributeMap): boolean {
  const names = Object.keys(a)
  return (
    names.length === Object.keys(b).length &&
    names.every((name) => Object.hasOwn(b, name) && sameStoredValue(a[name], b[name]))
  )
}

function sameMembers<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): boolean {
  return a.length === b.length && a.every((x) => b.some((y) => same(x, y)))
}

// DynamoDB reads a number back in its own form ('12.50' as '12.5', '1e2' as '100'): compare by value.
function sameNumber(a: string, b: string): boolean {
  return a === b || storedNumber(a) === storedNumber(b)
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
