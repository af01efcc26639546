// Typed conditions (ConditionExpression, FilterExpression) as a small tree, compiled to placeholders.
// The tree is plain data so tests can evaluate it independently of DynamoDB.
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { ValidationError } from '../errors.ts'
import { marshallValue } from '../marshall.ts'
import { type AttributePath, type Placeholders, pathSegments } from './placeholders.ts'

export type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>='
export type DynamoType = 'S' | 'N' | 'B' | 'BOOL' | 'NULL' | 'L' | 'M' | 'SS' | 'NS' | 'BS'

export type Condition =
  | {
      readonly op: 'compare'
      readonly path: AttributePath
      readonly comparator: Comparator
      readonly value: unknown
    }
  | { readonly op: 'between'; readonly path: AttributePath; readonly low: unknown; readonly high: unknown }
  | { readonly op: 'beginsWith'; readonly path: AttributePath; readonly value: string | Uint8Array }
  | { readonly op: 'contains'; readonly path: AttributePath; readonly value: unknown }
  | { readonly op: 'exists' | 'notExists'; readonly path: AttributePath }
  | {
      readonly op: 'size'
      readonly path: AttributePath
      readonly comparator: Comparator
      readonly value: number
    }
  | { readonly op: 'type'; readonly path: AttributePath; readonly type: DynamoType }
  | { readonly op: 'in'; readonly path: AttributePath; readonly values: readonly unknown[] }
  | { readonly op: 'and' | 'or'; readonly conditions: readonly Condition[] }
  | { readonly op: 'not'; readonly condition: Condition }

/** Paths a condition may name: a top-level attribute of T, or a nested path starting at one. */
export type ConditionPath<T> = (keyof T & string) | readonly [keyof T & string, ...(string | number)[]]
type At<T, P> = P extends keyof T ? NonNullable<T[P]> : unknown
type Element<V> = V extends readonly (infer E)[]
  ? E
  : V extends Set<infer E>
    ? E
    : V extends string
      ? string
      : unknown

/** Builds conditions over the item type T (encrypted attributes are left out of T by the model). */
export interface ConditionBuilder<T> {
  eq<P extends ConditionPath<T>>(path: P, value: At<T, P>): Condition
  ne<P extends ConditionPath<T>>(path: P, value: At<T, P>): Condition
  lt<P extends ConditionPath<T>>(path: P, value: At<T, P>): Condition
  le<P extends ConditionPath<T>>(path: P, value: At<T, P>): Condition
  gt<P extends ConditionPath<T>>(path: P, value: At<T, P>): Condition
  ge<P extends ConditionPath<T>>(path: P, value: At<T, P>): Condition
  between<P extends ConditionPath<T>>(path: P, low: At<T, P>, high: At<T, P>): Condition
  beginsWith<P extends ConditionPath<T>>(path: P, prefix: string): Condition
  contains<P extends ConditionPath<T>>(path: P, value: Element<At<T, P>>): Condition
  exists(path: ConditionPath<T>): Condition
  notExists(path: ConditionPath<T>): Condition
  size(path: ConditionPath<T>, comparator: Comparator, value: number): Condition
  attributeType(path: ConditionPath<T>, type: DynamoType): Condition
  in<P extends ConditionPath<T>>(path: P, values: readonly At<T, P>[]): Condition
  and(...conditions: Condition[]): Condition
  or(...conditions: Condition[]): Condition
  not(condition: Condition): Condition
}

const compare =
  (comparator: Comparator) =>
  (path: AttributePath, value: unknown): Condition => ({ op: 'compare', path, comparator, value })

/** The one (untyped at runtime) builder; models hand it out typed as ConditionBuilder<Item>. */
export const conditions: ConditionBuilder<any> = {
  eq: compare('='),
  ne: compare('<>'),
  lt: compare('<'),
  le: compare('<='),
  gt: compare('>'),
  ge: compare('>='),
  between: (path, low, high) => ({ op: 'between', path, low, high }),
  beginsWith: (path, value) => ({ op: 'beginsWith', path, value }),
  contains: (path, value) => ({ op: 'contains', path, value }),
  exists: (path) => ({ op: 'exists', path }),
  notExists: (path) => ({ op: 'notExists', path }),
  size: (path, comparator, value) => ({ op: 'size', path, comparator, value }),
  attributeType: (path, type) => ({ op: 'type', path, type }),
  in: (path, values) => ({ op: 'in', path, values }),
  and: (...list) => ({ op: 'and', conditions: list }),
  or: (...list) => ({ op: 'or', conditions: list }),
  not: (condition) => ({ op: 'not', condition }),
}

/** How a condition's values become AttributeValues: the model passes one that knows attribute types. */
export interface ValueEncoder {
  /** A value compared with the whole attribute at `path`. */
  value(path: AttributePath, value: unknown): AttributeValue
  /** An element of the list or set at `path` (for contains). */
  element(path: AttributePath, value: unknown): AttributeValue
  /** Throws when `path` may not appear in an expression (encrypted attributes). */
  check?(path: AttributePath): void
}

export const genericEncoder: ValueEncoder = {
  value: (_path, value) => marshallValue(value),
  element: (_path, value) => marshallValue(value),
}

const COMPARATORS = new Set<string>(['=', '<>', '<', '<=', '>', '>='])
const TYPES = new Set<string>(['S', 'N', 'B', 'BOOL', 'NULL', 'L', 'M', 'SS', 'NS', 'BS'])

function defined(value: unknown, what: string): void {
  if (value === undefined) throw new ValidationError(`${what}: a condition value must not be undefined`)
}

/** Compiles a condition tree into expression text, adding its names and values to `placeholders`. */
export function compileCondition(
  condition: Condition,
  placeholders: Placeholders,
  encoder: ValueEncoder = genericEncoder,
): string {
  const path = (p: AttributePath): string => {
    encoder.check?.(p)
    return placeholders.path(p)
  }
  const value = (p: AttributePath, v: unknown): string => {
    defined(v, JSON.stringify(pathSegments(p)))
    return placeholders.value(encoder.value(p, v))
  }
  switch (condition?.op) {
    case 'compare':
      if (!COMPARATORS.has(condition.comparator))
        throw new ValidationError(`Unknown comparator ${condition.comparator}`)
      return `${path(condition.path)} ${condition.comparator} ${value(condition.path, condition.value)}`
    case 'between':
      return `${path(condition.path)} BETWEEN ${value(condition.path, condition.low)} AND ${value(condition.path, condition.high)}`
    case 'beginsWith':
      if (typeof condition.value !== 'string' && !(condition.value instanceof Uint8Array)) {
        throw new ValidationError('beginsWith takes a string or binary prefix')
      }
      return `begins_with(${path(condition.path)}, ${placeholders.value(typeof condition.value === 'string' ? { S: condition.value } : { B: condition.value })})`
    case 'contains':
      defined(condition.value, 'contains')
      return `contains(${path(condition.path)}, ${placeholders.value(encoder.element(condition.path, condition.value))})`
    case 'exists':
      return `attribute_exists(${path(condition.path)})`
    case 'notExists':
      return `attribute_not_exists(${path(condition.path)})`
    case 'size':
      if (!COMPARATORS.has(condition.comparator))
        throw new ValidationError(`Unknown comparator ${condition.comparator}`)
      if (typeof condition.value !== 'number' || !Number.isFinite(condition.value)) {
        throw new ValidationError('size() compares with a number')
      }
      return `size(${path(condition.path)}) ${condition.comparator} ${placeholders.value({ N: String(condition.value) })}`
    case 'type':
      if (!TYPES.has(condition.type)) throw new ValidationError(`Unknown DynamoDB type ${condition.type}`)
      return `attribute_type(${path(condition.path)}, ${placeholders.value({ S: condition.type })})`
    case 'in': {
      // DynamoDB's IN takes 1 to 100 operands.
      if (
        !Array.isArray(condition.values) ||
        condition.values.length === 0 ||
        condition.values.length > 100
      ) {
        throw new ValidationError('in() takes 1 to 100 values')
      }
      const target = path(condition.path)
      return `${target} IN (${condition.values.map((entry) => value(condition.path, entry)).join(', ')})`
    }
    case 'and':
    case 'or': {
      if (condition.conditions.length === 0)
        throw new ValidationError(`${condition.op}() needs at least one condition`)
      if (condition.conditions.length === 1)
        return compileCondition(condition.conditions[0]!, placeholders, encoder)
      const joiner = condition.op === 'and' ? ' AND ' : ' OR '
      return condition.conditions
        .map((entry) => `(${compileCondition(entry, placeholders, encoder)})`)
        .join(joiner)
    }
    case 'not':
      return `NOT (${compileCondition(condition.condition, placeholders, encoder)})`
    default:
      throw new ValidationError('Not a condition', { details: { condition } })
  }
}

/** Joins conditions with AND, skipping absent ones; undefined when none remain. */
export function allOf(...list: (Condition | undefined)[]): Condition | undefined {
  const present = list.filter((entry): entry is Condition => entry !== undefined)
  if (present.length === 0) return undefined
  return present.length === 1 ? present[0] : { op: 'and', conditions: present }
}
