// A small, independent model of DynamoDB's condition semantics over plain JS items, used to check
// that compiled conditions mean in DynamoDB what they mean here.
import type { AttributePath, Condition } from '../src/index.ts'

type Value = unknown

function typeOf(value: Value): string | undefined {
  if (value === undefined) return undefined
  if (value === null) return 'NULL'
  if (typeof value === 'string') return 'S'
  if (typeof value === 'number' || typeof value === 'bigint') return 'N'
  if (typeof value === 'boolean') return 'BOOL'
  if (value instanceof Uint8Array) return 'B'
  if (Array.isArray(value)) return 'L'
  if (value instanceof Set) {
    const first = [...value][0]
    return typeof first === 'string' ? 'SS' : first instanceof Uint8Array ? 'BS' : 'NS'
  }
  return 'M'
}

function resolve(item: Record<string, Value>, path: AttributePath): Value {
  const segments = typeof path === 'string' ? [path] : path
  let current: Value = item
  for (const segment of segments) {
    if (current === undefined || current === null) return undefined
    if (typeof segment === 'number') current = Array.isArray(current) ? current[segment] : undefined
    else
      current =
        typeof current === 'object' && !Array.isArray(current) && !(current instanceof Set)
          ? (current as Record<string, Value>)[segment]
          : undefined
  }
  return current
}

const utf8 = (text: string) => Buffer.from(text, 'utf8')

function compareScalars(a: Value, b: Value): number | undefined {
  const type = typeOf(a)
  if (type !== typeOf(b)) return undefined
  if (type === 'S') return Buffer.compare(utf8(a as string), utf8(b as string))
  if (type === 'N') return Number(a) - Number(b)
  if (type === 'B') return Buffer.compare(Buffer.from(a as Uint8Array), Buffer.from(b as Uint8Array))
  return undefined
}

function deepEqual(a: Value, b: Value): boolean {
  const type = typeOf(a)
  if (type !== typeOf(b)) return false
  if (type === 'S' || type === 'N' || type === 'B') return compareScalars(a, b) === 0
  if (type === 'BOOL' || type === 'NULL') return a === b
  if (type === 'L') {
    const [x, y] = [a as Value[], b as Value[]]
    return x.length === y.length && x.every((entry, index) => deepEqual(entry, y[index]))
  }
  if (type === 'SS' || type === 'NS' || type === 'BS') {
    const [x, y] = [[...(a as Set<Value>)], [...(b as Set<Value>)]]
    return x.length === y.length && x.every((entry) => y.some((other) => deepEqual(entry, other)))
  }
  const [x, y] = [a as Record<string, Value>, b as Record<string, Value>]
  const keys = Object.keys(x)
  return keys.length === Object.keys(y).length && keys.every((key) => key in y && deepEqual(x[key], y[key]))
}

function sizeOf(value: Value): number | undefined {
  const type = typeOf(value)
  // size() of a string counts characters, not UTF-8 bytes (found by the property test: size('ü') = 1).
  if (type === 'S') return (value as string).length
  if (type === 'B') return (value as Uint8Array).length
  if (type === 'L') return (value as Value[]).length
  if (type === 'M') return Object.keys(value as object).length
  if (type === 'SS' || type === 'NS' || type === 'BS') return (value as Set<Value>).size
  return undefined
}

function applyComparator(comparator: string, order: number): boolean {
  switch (comparator) {
    case '<':
      return order < 0
    case '<=':
      return order <= 0
    case '>':
      return order > 0
    default:
      return order >= 0
  }
}

export function evaluate(condition: Condition, item: Record<string, Value>): boolean {
  switch (condition.op) {
    case 'and':
      return condition.conditions.every((entry) => evaluate(entry, item))
    case 'or':
      return condition.conditions.some((entry) => evaluate(entry, item))
    case 'not':
      return !evaluate(condition.condition, item)
    case 'exists':
      return resolve(item, condition.path) !== undefined
    case 'notExists':
      return resolve(item, condition.path) === undefined
    case 'type':
      return typeOf(resolve(item, condition.path)) === condition.type
    case 'beginsWith': {
      const value = resolve(item, condition.path)
      return (
        typeof value === 'string' && typeof condition.value === 'string' && value.startsWith(condition.value)
      )
    }
    case 'contains': {
      const value = resolve(item, condition.path)
      if (typeof value === 'string')
        return typeof condition.value === 'string' && value.includes(condition.value)
      if (value instanceof Set || Array.isArray(value))
        return [...value].some((entry) => deepEqual(entry, condition.value))
      return false
    }
    case 'size': {
      const size = sizeOf(resolve(item, condition.path))
      // As with a plain comparison, DynamoDB treats "not equal" to a missing operand as true.
      if (size === undefined) return condition.comparator === '<>'
      const order = size - condition.value
      if (condition.comparator === '=') return order === 0
      if (condition.comparator === '<>') return order !== 0
      return applyComparator(condition.comparator, order)
    }
    case 'in': {
      const value = resolve(item, condition.path)
      return value !== undefined && condition.values.some((entry) => deepEqual(value, entry))
    }
    case 'between': {
      const value = resolve(item, condition.path)
      const low = compareScalars(value, condition.low)
      const high = compareScalars(value, condition.high)
      return low !== undefined && high !== undefined && low >= 0 && high <= 0
    }
    case 'compare': {
      const value = resolve(item, condition.path)
      if (condition.comparator === '=') return value !== undefined && deepEqual(value, condition.value)
      if (condition.comparator === '<>') return value === undefined || !deepEqual(value, condition.value)
      const order = compareScalars(value, condition.value)
      return order !== undefined && applyComparator(condition.comparator, order)
    }
  }
}
