// Attribute builders: what a model's fields are, in the payment domain's own types. Each builder
// is immutable (every modifier returns a new attribute) so one definition can be shared by models.
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { ValidationError } from './errors.ts'
import { assignOwn, marshallValue, storableNumber, unmarshallValue } from './marshall.ts'
import { pathInMessage } from './path-in-message.ts'

export type AttributeKind =
  | 'string'
  | 'number'
  | 'bigint'
  | 'decimal'
  | 'boolean'
  | 'binary'
  | 'date'
  | 'enum'
  | 'list'
  | 'map'
  | 'stringSet'
  | 'numberSet'

export type DateFormat = 'iso' | 'epochSeconds' | 'epochMillis'

/** A check on a value: `true` (or undefined) passes, `false` or a message fails. */
export type Validator<T> = (value: T) => boolean | string | undefined

export interface AttributeSpec {
  readonly kind: AttributeKind
  readonly isRequired: boolean
  readonly isEncrypted: boolean
  readonly hasDefault: boolean
  readonly defaultValue: unknown
  readonly validators: readonly Validator<any>[]
  readonly enumValues?: readonly string[]
  readonly element?: AnyAttribute
  readonly fields?: Readonly<Record<string, AnyAttribute>>
  readonly dateFormat?: DateFormat
}

/**
 * One attribute. The type parameters carry, at compile time only: the JS value type, whether it is
 * required, whether it has a default (so input may omit it) and whether it is encrypted (so it cannot
 * appear in keys, conditions, filters or projections).
 */
export interface Attribute<T, R extends boolean = false, D extends boolean = false, E extends boolean = false>
  extends AttributeSpec {
  /** Phantom: never set at runtime. */
  readonly '~value'?: T
  readonly '~flags'?: { required: R; defaulted: D; encrypted: E }
  /** The item must hold this attribute. */
  required(): Attribute<T, true, D, E>
  /** The item may omit this attribute (the default). */
  optional(): Attribute<T, false, D, E>
  /** Used when a create or put omits the attribute; a function is called per write (e.g. a new id). */
  default(value: T | (() => T)): Attribute<T, R, true, E>
  /** Adds a check run before every write of this attribute. */
  validate(check: Validator<T>): Attribute<T, R, D, E>
  /** Stored through the db's item transformer (field-level encryption); never usable in expressions. */
  encrypted(): Attribute<T, R, D, true>
}

export type AnyAttribute = Attribute<any, boolean, boolean, boolean>

function attribute<T>(spec: Partial<AttributeSpec> & { kind: AttributeKind }): Attribute<T> {
  const full: AttributeSpec = {
    isRequired: false,
    isEncrypted: false,
    hasDefault: false,
    defaultValue: undefined,
    validators: [],
    ...spec,
  }
  return {
    ...full,
    required: () => attribute({ ...full, isRequired: true }) as any,
    optional: () => attribute({ ...full, isRequired: false }) as any,
    default: (value: unknown) => attribute({ ...full, hasDefault: true, defaultValue: value }) as any,
    validate: (check: Validator<any>) =>
      attribute({ ...full, validators: [...full.validators, check] }) as any,
    encrypted: () => attribute({ ...full, isEncrypted: true }) as any,
  }
}

export const string = (): Attribute<string> => attribute({ kind: 'string' })
export const number = (): Attribute<number> => attribute({ kind: 'number' })
/** Integers beyond 2^53 (minor units of large amounts): stored as a DynamoDB number, read as bigint. */
export const bigint = (): Attribute<bigint> => attribute({ kind: 'bigint' })
/** Exact decimals (e.g. `'12.30'`): given and read as strings, stored as a DynamoDB number (up to 38 digits). */
export const decimal = (): Attribute<string> => attribute({ kind: 'decimal' })
export const boolean = (): Attribute<boolean> => attribute({ kind: 'boolean' })
export const binary = (): Attribute<Uint8Array> => attribute({ kind: 'binary' })
/** A Date, stored as ISO-8601 text (sortable) or as epoch seconds / milliseconds (TTL needs epoch seconds). */
export const date = (format: DateFormat = 'iso'): Attribute<Date> =>
  attribute({ kind: 'date', dateFormat: format })
export const enumeration = <const V extends readonly [string, ...string[]]>(
  values: V,
): Attribute<V[number]> => attribute({ kind: 'enum', enumValues: values })
export const list = <A extends AnyAttribute>(element: A): Attribute<ValueOf<A>[]> =>
  attribute({ kind: 'list', element })
/** A nested object: with fields it is checked field by field; without, any plain object is stored as is. */
export function map<F extends Record<string, AnyAttribute>>(fields: F): Attribute<ObjectOf<F>>
export function map(): Attribute<Record<string, unknown>>
export function map(fields?: Record<string, AnyAttribute>): Attribute<any> {
  return fields === undefined ? attribute({ kind: 'map' }) : attribute({ kind: 'map', fields })
}
export const stringSet = (): Attribute<Set<string>> => attribute({ kind: 'stringSet' })
export const numberSet = (): Attribute<Set<number>> => attribute({ kind: 'numberSet' })

/** The JS type of an attribute's value. */
export type ValueOf<A> = A extends Attribute<infer T, any, any, any> ? T : never
type Flags<A> =
  A extends Attribute<any, infer R, infer D, infer E> ? { required: R; defaulted: D; encrypted: E } : never
type Simplify<T> = { [K in keyof T]: T[K] } & {}

export type RequiredNames<F> = { [K in keyof F]: Flags<F[K]>['required'] extends true ? K : never }[keyof F]
export type EncryptedNames<F> = {
  [K in keyof F]: Flags<F[K]>['encrypted'] extends true ? K : never
}[keyof F] &
  string
/** Names an input must give: required and without a default. */
export type InputRequiredNames<F> = {
  [K in keyof F]: Flags<F[K]>['required'] extends true
    ? Flags<F[K]>['defaulted'] extends true
      ? never
      : K
    : never
}[keyof F]

/** The object type a set of attributes describes (required ones required, others optional). */
export type ObjectOf<F> = Simplify<
  { [K in RequiredNames<F>]: ValueOf<F[K]> } & { [K in Exclude<keyof F, RequiredNames<F>>]?: ValueOf<F[K]> }
>

const DECIMAL = /^-?(?:\d+)(?:\.\d+)?(?:[eE][+-]?\d+)?$/

function fail(path: string, message: string): never {
  const shown = pathInMessage(path)
  throw new ValidationError(`${shown}: ${message}`, { details: { attribute: shown } })
}

function checkValidators(attr: AttributeSpec, value: unknown, path: string): void {
  for (const check of attr.validators) {
    const result = check(value)
    if (result === false) fail(path, 'failed validation')
    if (typeof result === 'string') fail(path, result)
  }
}

/** Turns a JS value into the AttributeValue this attribute stores, checking its type and validators. */
export function toAttributeValue(attr: AttributeSpec, value: unknown, path: string): AttributeValue {
  const stored = convert(attr, value, path)
  checkValidators(attr, value, path)
  return stored
}

function convert(attr: AttributeSpec, value: unknown, path: string): AttributeValue {
  switch (attr.kind) {
    case 'string':
      if (typeof value !== 'string') fail(path, 'must be a string')
      return { S: value }
    case 'enum':
      if (typeof value !== 'string' || !attr.enumValues?.includes(value)) {
        fail(path, `must be one of ${attr.enumValues?.join(', ')}`)
      }
      return { S: value }
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) fail(path, 'must be a finite number')
      return { N: storableNumber(String(value), path) }
    case 'bigint':
      if (typeof value === 'bigint') return { N: storableNumber(value.toString(), path) }
      if (typeof value === 'number' && Number.isSafeInteger(value)) return { N: String(value) }
      return fail(path, 'must be a bigint (or a safe integer)')
    case 'decimal':
      if (typeof value !== 'string' || !DECIMAL.test(value))
        fail(path, 'must be a decimal string such as "12.30"')
      return { N: storableNumber(value, path) }
    case 'boolean':
      if (typeof value !== 'boolean') fail(path, 'must be a boolean')
      return { BOOL: value }
    case 'binary':
      if (!(value instanceof Uint8Array)) fail(path, 'must be a Uint8Array')
      return { B: value }
    case 'date': {
      if (!(value instanceof Date) || Number.isNaN(value.getTime())) fail(path, 'must be a valid Date')
      if (attr.dateFormat === 'epochSeconds') return { N: String(Math.floor(value.getTime() / 1000)) }
      if (attr.dateFormat === 'epochMillis') return { N: String(value.getTime()) }
      return { S: value.toISOString() }
    }
    case 'list': {
      if (!Array.isArray(value)) fail(path, 'must be an array')
      const element = attr.element as AttributeSpec
      // Array.from visits holes ([1, , 3]) as undefined, so they are refused; map would skip them.
      return {
        L: Array.from(value, (entry, index) => toAttributeValue(element, entry, `${path}[${index}]`)),
      }
    }
    case 'map':
      return convertMap(attr, value, path)
    case 'stringSet':
      if (
        !(value instanceof Set) ||
        value.size === 0 ||
        [...value].some((entry) => typeof entry !== 'string')
      ) {
        fail(path, 'must be a non-empty Set of strings (DynamoDB stores no empty sets)')
      }
      return { SS: [...value] }
    case 'numberSet':
      if (
        !(value instanceof Set) ||
        value.size === 0 ||
        [...value].some((entry) => typeof entry !== 'number' || !Number.isFinite(entry))
      ) {
        fail(path, 'must be a non-empty Set of finite numbers (DynamoDB stores no empty sets)')
      }
      return { NS: [...value].map((entry) => storableNumber(String(entry), path)) }
  }
}

function convertMap(attr: AttributeSpec, value: unknown, path: string): AttributeValue {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    fail(path, 'must be an object')
  }
  if (attr.fields === undefined) return marshallValue(value, path)
  const out: Record<string, AttributeValue> = {}
  const given = value as Record<string, unknown>
  for (const name of Object.keys(given)) {
    // Own fields only: 'constructor' or '__proto__' is not a field because every object inherits it.
    if (!Object.hasOwn(attr.fields, name)) fail(`${path}.${name}`, 'is not a field of this map')
  }
  for (const [name, field] of Object.entries(attr.fields)) {
    const fieldValue = given[name] === undefined && field.hasDefault ? resolveDefault(field) : given[name]
    if (fieldValue === undefined || fieldValue === null) {
      if (field.isRequired) fail(`${path}.${name}`, 'is required')
      continue
    }
    out[name] = toAttributeValue(field, fieldValue, `${path}.${name}`)
  }
  return { M: out }
}

/** The attribute (or map field) declared under `name`; never an inherited one ('constructor', ...). */
export function ownAttribute(
  attributes: Readonly<Record<string, AttributeSpec>> | undefined,
  name: string,
): AttributeSpec | undefined {
  return attributes !== undefined && Object.hasOwn(attributes, name) ? attributes[name] : undefined
}

export function resolveDefault(attr: AttributeSpec): unknown {
  return typeof attr.defaultValue === 'function' ? (attr.defaultValue as () => unknown)() : attr.defaultValue
}

/** Reads a stored value back into the attribute's JS type; values of another shape are read generically. */
export function fromAttributeValue(attr: AttributeSpec, value: AttributeValue): unknown {
  switch (attr.kind) {
    case 'bigint':
      // Written by us it is an integer; anything else is read generically below.
      if (value.N !== undefined && /^-?\d+$/.test(value.N)) return BigInt(value.N)
      break
    case 'decimal':
      if (value.N !== undefined) return value.N
      break
    case 'number':
      if (value.N !== undefined) return Number(value.N)
      break
    case 'date':
      if (value.S !== undefined) return new Date(value.S)
      if (value.N !== undefined)
        return new Date(Number(value.N) * (attr.dateFormat === 'epochSeconds' ? 1000 : 1))
      break
    case 'list':
      if (value.L !== undefined)
        return value.L.map((entry) => fromAttributeValue(attr.element as AttributeSpec, entry))
      break
    case 'map':
      if (value.M !== undefined && attr.fields !== undefined) {
        const out: Record<string, unknown> = {}
        for (const [name, entry] of Object.entries(value.M)) {
          const field = ownAttribute(attr.fields, name)
          assignOwn(
            out,
            name,
            field === undefined ? unmarshallValue(entry) : fromAttributeValue(field, entry),
          )
        }
        return out
      }
      break
    case 'numberSet':
      if (value.NS !== undefined) return new Set(value.NS.map(Number))
      break
  }
  return unmarshallValue(value)
}

/** Whether a stored value could have come from this attribute (used when reading items of unknown shape). */
export function isScalarKind(kind: AttributeKind): boolean {
  return (
    kind !== 'list' && kind !== 'map' && kind !== 'stringSet' && kind !== 'numberSet' && kind !== 'binary'
  )
}
