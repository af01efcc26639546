// A model: one entity's attributes, its composite keys and indexes, and the bookkeeping attributes
// (entity type, version, timestamps, TTL). Parsed and checked once at definition (container init),
// so every request only renders and converts.
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import {
  type AnyAttribute,
  type AttributeSpec,
  type EncryptedNames,
  fromAttributeValue,
  type InputRequiredNames,
  type ObjectOf,
  ownAttribute,
  resolveDefault,
  toAttributeValue,
  type ValueOf,
} from './attributes.ts'
import type { Db } from './db.ts'
import { ValidationError } from './errors.ts'
import type { ValueEncoder } from './expressions/condition.ts'
import { type AttributePath, pathSegments } from './expressions/placeholders.ts'
import { type KeyTemplate, renderKey, type TemplateVariables } from './key-template.ts'
import { type AttributeMap, marshallValue, storableNumber } from './marshall.ts'
import { pathInMessage } from './path-in-message.ts'

export interface KeyDefinition {
  /** Partition key template, e.g. `PARTNER#{partnerId}`. */
  readonly pk: string
  /** Sort key template, e.g. `PAYMENT#{id}`. */
  readonly sk?: string
}

export interface GlobalIndexDefinition {
  readonly type: 'gsi'
  readonly pk: string
  readonly sk?: string
  /** Items missing a template value are left out of the index instead of being rejected. */
  readonly sparse?: boolean
  /** DynamoDB index name (default: the key in `indexes`). */
  readonly indexName?: string
  /** Physical key attribute names (default `<indexName>pk` / `<indexName>sk`). */
  readonly pkAttribute?: string
  readonly skAttribute?: string
}

export interface LocalIndexDefinition {
  readonly type: 'lsi'
  readonly sk: string
  readonly sparse?: boolean
  readonly indexName?: string
  readonly skAttribute?: string
}

export type IndexDefinition = GlobalIndexDefinition | LocalIndexDefinition
export type Attributes = Record<string, AnyAttribute>

export interface ModelDefinition<
  A extends Attributes,
  K extends KeyDefinition,
  I extends Record<string, IndexDefinition>,
  V extends string | undefined,
  T extends boolean,
> {
  /** Entity type, stored in every item so one table can hold several entities. */
  name: string
  /** Logical table name, resolved per Db (prefix or function) to the physical one. */
  table: string
  attributes: A
  key: K & KeyCheck<A, K>
  indexes?: I & { [N in keyof I]: TemplateCheck<A, IndexKeyNames<I[N]>> }
  /** Optimistic locking: this attribute is checked and incremented by every versioned write. */
  version?: V
  /** Maintain `createdAt` (never overwritten) and `updatedAt` (every write), as ISO-8601 strings. */
  timestamps?: T
  /** Attribute holding the TTL (a number or `date('epochSeconds')`); expired items are not returned. */
  ttl?: TtlNames<A>
  /** Physical key attribute names of the table (default `pk` and `sk`). */
  keyAttributes?: { pk?: string; sk?: string }
  /** Attribute holding the entity type (default `__entity`). */
  entityAttribute?: string
  /** Text between key parts; a key value may hold none of its characters (default `#`). */
  keyDelimiter?: string
}

type Vars<S> = S extends string ? TemplateVariables<S> : never
/** Compile-time check of a key: every template variable is an attribute, and none is encrypted. */
type KeyCheck<A, K extends KeyDefinition> = TemplateCheck<A, KeyNames<K>>
type TemplateCheck<A, Names> = [Exclude<Names, keyof A>] extends [never]
  ? [Names & EncryptedNames<A>] extends [never]
    ? [Names & NonScalarNames<A>] extends [never]
      ? unknown
      : { 'lists, maps, sets and binaries cannot be key attributes': Names & NonScalarNames<A> }
    : { 'encrypted attributes cannot be key attributes': Names & EncryptedNames<A> }
  : { 'key uses names that are not attributes': Exclude<Names, keyof A> }
type NonScalarNames<A> = {
  [P in keyof A]: [ValueOf<A[P]>] extends [string | number | bigint | boolean | Date] ? never : P
}[keyof A]
type IndexKeyNames<D> =
  | (D extends { pk: infer P } ? Vars<P> : never)
  | (D extends { sk: infer S } ? Vars<S> : never)
/** TTL needs epoch seconds in clear: a number or a Date attribute (the date's format is checked at definition). */
type TtlNames<A> = {
  [P in keyof A]: ValueOf<A[P]> extends number | Date ? P : never
}[Exclude<keyof A, EncryptedNames<A>>] &
  string
type Simplify<T> = { [P in keyof T]: T[P] } & {}
type KeyNames<K extends KeyDefinition> = Vars<K['pk']> | Vars<K['sk']>
type VersionFields<V> = V extends string ? { [P in V]: number } : {}
type TimestampFields<T> = T extends true ? { createdAt: string; updatedAt: string } : {}

export interface ModelTypes<
  A extends Attributes,
  K extends KeyDefinition,
  I extends Record<string, IndexDefinition>,
  V extends string | undefined,
  T extends boolean,
> {
  /** An item as read back. */
  item: Simplify<
    ObjectOf<A> & { [P in KeyNames<K> & keyof A]-?: ValueOf<A[P]> } & VersionFields<V> & TimestampFields<T>
  >
  /** What create and put take: required attributes without defaults must be given. */
  input: Simplify<
    { [P in InputRequiredNames<A> | (KeyNames<K> & InputKeyNames<A>)]-?: ValueOf<A[P]> } & {
      [P in Exclude<keyof A, InputRequiredNames<A> | (KeyNames<K> & InputKeyNames<A>)>]?: ValueOf<A[P]>
    } & Partial<VersionFields<V> & TimestampFields<T>>
  >
  key: Simplify<{ [P in KeyNames<K> & keyof A]: ValueOf<A[P]> }>
  keyNames: KeyNames<K> & keyof A & string
  encrypted: EncryptedNames<A>
  indexes: I
  pkNames: Vars<K['pk']> & keyof A & string
  skNames: Vars<K['sk']> & keyof A & string
  /** The sort key template; undefined when the model's key has none (a range cannot apply). */
  skTemplate: K['sk']
  /** The version attribute's name; never when the model is not versioned. */
  versionName: V & string
}
type InputKeyNames<A> = { [P in keyof A]: A[P] extends { hasDefault: true } ? never : P }[keyof A]

export interface IndexRuntime {
  readonly name: string
  readonly type: 'gsi' | 'lsi'
  readonly pk: KeyTemplate | undefined
  readonly sk: KeyTemplate | undefined
  readonly pkAttribute: string
  readonly skAttribute: string | undefined
  readonly sparse: boolean
}

export interface Model<
  A extends Attributes = Attributes,
  K extends KeyDefinition = KeyDefinition,
  I extends Record<string, IndexDefinition> = Record<string, IndexDefinition>,
  V extends string | undefined = string | undefined,
  T extends boolean = boolean,
> {
  readonly name: string
  readonly table: string
  readonly attributes: A
  readonly pk: KeyTemplate
  readonly sk: KeyTemplate | undefined
  readonly pkAttribute: string
  readonly skAttribute: string
  readonly indexes: Readonly<Record<string, IndexRuntime>>
  readonly version: string | undefined
  readonly timestamps: boolean
  readonly ttl: string | undefined
  readonly entityAttribute: string
  readonly delimiter: string
  /** Names of attributes marked `.encrypted()`. */
  readonly encrypted: readonly string[]
  /** Attribute names the primary key is built from (cannot be updated). */
  readonly keyVariables: ReadonlySet<string>
  /** Physical attributes the model maintains itself (keys, index keys, entity type). */
  readonly internalAttributes: ReadonlySet<string>
  /**
   * The model's operations bound to a Db (what `db.model(model)` returns). Carried by the model so that
   * Db does not import every operation: a bundle without models (the middleware stack) stays small.
   */
  readonly '~entity': (db: Db) => unknown
  /** Type-level only. */
  readonly '~types'?: ModelTypes<A, K, I, V, T>
}

/** Any model: its type-level part is left open so every concrete model is assignable. */
export interface AnyModel extends Omit<Model, '~types'> {
  readonly '~types'?: any
}
export type ItemOf<M extends AnyModel> = NonNullable<M['~types']>['item']
export type InputOf<M extends AnyModel> = NonNullable<M['~types']>['input']
export type KeyOf<M extends AnyModel> = NonNullable<M['~types']>['key']
/** The item as expressions see it: encrypted attributes are not there. */
export type PlainItemOf<M extends AnyModel> = Omit<ItemOf<M>, NonNullable<M['~types']>['encrypted']>
export type IndexNamesOf<M extends AnyModel> = keyof NonNullable<M['~types']>['indexes'] & string
/** An `expectedVersion` option: a number for a versioned model, never for one without a version. */
export type ExpectedVersionOf<M extends AnyModel> = [NonNullable<M['~types']>['versionName']] extends [never]
  ? never
  : number

// A decimal as DynamoDB returns it: plain digits, no exponent, no leading or trailing zeros, never -0.
const STORED_DECIMAL = /^(?!-0$)-?(?:0|[1-9]\d*)(?:\.\d*[1-9])?$/

/**
 * Refuses key values DynamoDB stores in another form (a date's milliseconds dropped, '12.30' read back
 * as '12.3'): a key rendered from one could not be rendered again from the item as read back, so its
 * update or delete would address another key, and a query would silently find nothing.
 */
export function checkKeyValues(
  model: AnyModel,
  names: Iterable<string>,
  values: Record<string, unknown>,
): void {
  for (const name of names) {
    const attr = ownAttribute(model.attributes, name)
    const value = values[name]
    if (attr?.dateFormat === 'epochSeconds' && value instanceof Date && value.getTime() % 1000 !== 0) {
      throw new ValidationError(`${model.name}: key value ${name} must be whole seconds, as it is stored`, {
        details: { attribute: name },
      })
    }
    if (attr?.kind === 'decimal' && typeof value === 'string' && !STORED_DECIMAL.test(value)) {
      throw new ValidationError(
        `${model.name}: key value ${name} must be written as DynamoDB stores it (no exponent, no leading or trailing zeros, no -0)`,
        { details: { attribute: name } },
      )
    }
  }
}

/** The primary key attributes of an item, from its key values. */
export function keyAttributes(model: AnyModel, values: Record<string, unknown>): AttributeMap {
  if (typeof values !== 'object' || values === null)
    throw new ValidationError(`${model.name}: a key must be an object`)
  checkKeyValues(model, model.keyVariables, values)
  const key: AttributeMap = { [model.pkAttribute]: { S: renderKey(model.pk, values, model.delimiter) } }
  if (model.sk !== undefined) key[model.skAttribute] = { S: renderKey(model.sk, values, model.delimiter) }
  return key
}

function indexKeyAttributes(model: AnyModel, values: Record<string, unknown>, out: AttributeMap): void {
  for (const index of Object.values(model.indexes)) {
    const templates = [index.pk, index.sk].filter((template) => template !== undefined)
    const missing = templates
      .flatMap((template) => template.variables)
      .find((variable) => values[variable] === undefined || values[variable] === null)
    if (missing !== undefined) {
      if (index.sparse) continue
      throw new ValidationError(
        `${model.name}: index ${index.name} needs ${missing} (or mark the index sparse)`,
      )
    }
    if (index.pk !== undefined) out[index.pkAttribute] = { S: renderKey(index.pk, values, model.delimiter) }
    if (index.sk !== undefined && index.skAttribute !== undefined) {
      out[index.skAttribute] = { S: renderKey(index.sk, values, model.delimiter) }
    }
  }
}

export interface StoredItemOptions {
  /** Now, as ISO-8601 (one value per write so createdAt and updatedAt agree). */
  now: string
  version?: number
}

/**
 * Turns input into the full stored item: defaults applied, every attribute checked and converted,
 * keys, index keys, entity type, version and timestamps added. Unknown attributes are rejected
 * (a typo must not be stored silently).
 */
export function toStoredItem(
  model: AnyModel,
  input: Record<string, unknown>,
  options: StoredItemOptions,
): AttributeMap {
  if (typeof input !== 'object' || input === null)
    throw new ValidationError(`${model.name}: an item must be an object`)
  const values: Record<string, unknown> = {}
  for (const name of Object.keys(input)) {
    if (
      !Object.hasOwn(model.attributes, name) &&
      name !== model.version &&
      !(model.timestamps && (name === 'createdAt' || name === 'updatedAt'))
    ) {
      const shown = pathInMessage(name)
      throw new ValidationError(`${model.name}: ${shown} is not an attribute of the model`, {
        details: { attribute: shown },
      })
    }
  }
  const item: AttributeMap = {}
  for (const [name, attr] of Object.entries(model.attributes) as [string, AttributeSpec][]) {
    let value = input[name]
    if ((value === undefined || value === null) && attr.hasDefault) value = resolveDefault(attr)
    if (value === undefined || value === null) {
      if (attr.isRequired || model.keyVariables.has(name)) {
        throw new ValidationError(`${model.name}: ${name} is required`, { details: { attribute: name } })
      }
      continue
    }
    values[name] = value
    item[name] = toAttributeValue(attr, value, name)
  }
  Object.assign(item, keyAttributes(model, values))
  indexKeyAttributes(model, values, item)
  item[model.entityAttribute] = { S: model.name }
  if (model.version !== undefined) item[model.version] = { N: String(options.version ?? 1) }
  if (model.timestamps) {
    const created = input.createdAt
    item.createdAt = {
      S: created === undefined || created === null ? options.now : timestamp(model, created, 'createdAt'),
    }
    if (input.updatedAt !== undefined && input.updatedAt !== null)
      timestamp(model, input.updatedAt, 'updatedAt')
    item.updatedAt = { S: options.now }
  }
  return item
}

/**
 * A given timestamp as stored: a valid Date, or the ISO-8601 text a read gave back. Other text would be
 * stored as is and sort among the timestamps by its characters, not its time.
 */
function timestamp(model: AnyModel, value: unknown, name: string): string {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined
  if (date !== undefined && !Number.isNaN(date.getTime())) {
    const text = date.toISOString()
    if (typeof value !== 'string' || value === text) return text
  }
  throw new ValidationError(`${model.name}: ${name} must be a valid Date or ISO-8601 text as stored`, {
    details: { attribute: name },
  })
}

/** Turns a stored item back into the model's item type, dropping the attributes the model maintains. */
export function fromStoredItem<M extends AnyModel>(model: M, stored: AttributeMap): ItemOf<M> {
  const item: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(stored)) {
    if (model.internalAttributes.has(name)) continue
    // Own names only: another writer's 'constructor' or '__proto__' is no attribute of the model.
    const attr = ownAttribute(model.attributes, name)
    if (attr !== undefined) item[name] = fromAttributeValue(attr, value)
    else if (name === model.version) item[name] = Number(value.N)
    else if (model.timestamps && (name === 'createdAt' || name === 'updatedAt')) item[name] = value.S
  }
  return item as ItemOf<M>
}

/** Whether a stored item's TTL has passed (DynamoDB deletes expired items only eventually). */
export function isExpired(model: AnyModel, stored: AttributeMap, nowSeconds: number): boolean {
  if (model.ttl === undefined) return false
  const value = stored[model.ttl]?.N
  return value !== undefined && Number(value) <= nowSeconds
}

/** Rejects a path that starts at an encrypted attribute: ciphertext cannot be compared or projected. */
export function assertPlainPath(model: AnyModel, path: AttributePath, use: string): void {
  const first = pathSegments(path)[0]
  if (typeof first === 'string' && model.encrypted.includes(first)) {
    throw new ValidationError(`${model.name}: encrypted attribute ${first} cannot be used in ${use}`, {
      details: { attribute: first },
    })
  }
}

/** The attribute at a path, when the schema says (map fields and list elements are followed). */
export function attributeAt(model: AnyModel, path: AttributePath): AttributeSpec | undefined {
  let current: AttributeSpec | undefined
  for (const [index, segment] of pathSegments(path).entries()) {
    // Own names only: an inherited 'constructor' is no attribute (its "spec" broke every conversion).
    if (index === 0) current = ownAttribute(model.attributes, segment as string)
    else if (current?.kind === 'list' && typeof segment === 'number') current = current.element
    else if (current?.kind === 'map' && typeof segment === 'string')
      current = ownAttribute(current.fields, segment)
    else return undefined
    if (current === undefined) return undefined
  }
  return current
}

function encodeFor(model: AnyModel, path: AttributePath, value: unknown): AttributeValue {
  const attr = attributeAt(model, path)
  if (attr === undefined) return marshallValue(value, pathSegments(path).join('.'))
  // Conditions compare stored values: convert like a write, but do not run validators on them.
  return toAttributeValue({ ...attr, validators: [] }, value, pathSegments(path).join('.'))
}

/** A ValueEncoder that converts condition values by the model's attribute types. */
export function modelEncoder(model: AnyModel, use: string): ValueEncoder {
  return {
    check: (path) => assertPlainPath(model, path, use),
    value: (path, value) => encodeFor(model, path, value),
    element: (path, value) => {
      const attr = attributeAt(model, path)
      if (attr?.kind === 'list' && attr.element !== undefined)
        return encodeFor(model, [...pathSegments(path), 0] as never, value)
      if (attr?.kind === 'stringSet' || attr?.kind === 'string') {
        if (typeof value !== 'string')
          throw new ValidationError(`${String(path)}: contains() takes a string here`)
        return { S: value }
      }
      if (attr?.kind === 'numberSet') {
        if (typeof value !== 'number' || !Number.isFinite(value)) {
          throw new ValidationError(`${String(path)}: contains() takes a number here`)
        }
        return { N: storableNumber(String(value), pathSegments(path).join('.')) }
      }
      return marshallValue(value)
    },
  }
}
