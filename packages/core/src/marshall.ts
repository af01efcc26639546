// JS values <-> DynamoDB AttributeValues, without @aws-sdk/util-dynamodb: fewer bytes at cold start,
// and numbers that JS cannot hold exactly come back as bigint instead of being rounded.
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { ValidationError } from './errors.ts'
import { pathInMessage } from './path-in-message.ts'

export type Item = Record<string, unknown>
export type AttributeMap = Record<string, AttributeValue>

export function marshallValue(value: unknown, path = 'value'): AttributeValue {
  if (value === null) return { NULL: true }
  switch (typeof value) {
    case 'string':
      return { S: value }
    case 'boolean':
      return { BOOL: value }
    case 'bigint':
      return { N: storableNumber(value.toString(), path) }
    case 'number':
      if (!Number.isFinite(value))
        throw new ValidationError(`${pathInMessage(path)}: ${value} cannot be stored in DynamoDB`)
      return { N: storableNumber(String(value), path) }
    case 'object':
      return marshallObject(value, path)
    default:
      throw new ValidationError(`${pathInMessage(path)}: a ${typeof value} cannot be stored in DynamoDB`)
  }
}

/** A number's significant digits (no leading or trailing zeros) and its point: value = 0.digits × 10^point. */
export interface NumberParts {
  readonly negative: boolean
  readonly digits: string
  readonly point: number
}

/** Splits a number as DynamoDB reads it ('-12.30', '1e+21', '.5'); zero has no digits. */
export function numberParts(text: string): NumberParts {
  const [, sign, whole = '', fraction = '', exponent = '0'] =
    /^([-+]?)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/.exec(text) ?? []
  const all = whole + fraction
  const significant = all.replace(/^0+/, '')
  const digits = significant.replace(/0+$/, '')
  const point = whole.length + Number(exponent) - (all.length - significant.length)
  return { negative: sign === '-' && digits !== '', digits, point }
}

/**
 * The number's text when DynamoDB can store it: at most 38 significant digits, magnitude 1E-130 to
 * 9.99...E+125 (or zero). Anything else it refuses only after a round trip.
 */
export function storableNumber(text: string, path: string): string {
  const { digits, point } = numberParts(text)
  const reason =
    digits.length > 38
      ? 'has more than the 38 significant digits DynamoDB stores'
      : digits !== '' && (point < -129 || point > 126)
        ? 'is outside the range DynamoDB stores (1E-130 to 9.99E+125 in magnitude)'
        : undefined
  if (reason === undefined) return text
  throw unstorable(path, `the number ${reason}`)
}

/** The message names the path, never the value (it may be a card number). */
function unstorable(path: string, reason: string): ValidationError {
  const shown = pathInMessage(path)
  return new ValidationError(`${shown}: ${reason}`, { details: { attribute: shown } })
}

function marshallObject(value: object, path: string): AttributeValue {
  if (value instanceof Uint8Array) return { B: value }
  if (value instanceof Date) {
    // An invalid Date has no ISO text: toISOString would throw a bare RangeError.
    if (Number.isNaN(value.getTime())) throw unstorable(path, 'must be a valid Date')
    return { S: value.toISOString() }
  }
  if (Array.isArray(value))
    // Array.from visits holes as undefined, so they are refused; map would skip them.
    return { L: Array.from(value, (entry, index) => marshallValue(entry, `${path}[${index}]`)) }
  if (value instanceof Set) return marshallSet(value, path)
  const map: AttributeMap = {}
  for (const [key, entry] of Object.entries(value)) {
    if (entry === undefined) continue
    // DynamoDB refuses an empty attribute name, a map's key included, after a round trip.
    if (key === '') throw unstorable(path, 'a map key cannot be empty')
    assignOwn(map, key, marshallValue(entry, `${path}.${key}`))
  }
  return { M: map }
}

function marshallSet(set: Set<unknown>, path: string): AttributeValue {
  const values = [...set]
  if (values.length === 0) throw unstorable(path, 'DynamoDB cannot store an empty set')
  if (values.every((entry) => typeof entry === 'string')) return { SS: values as string[] }
  if (values.every((entry) => typeof entry === 'number' || typeof entry === 'bigint')) {
    const numbers = values.map((entry) => marshallValue(entry, path).N as string)
    return { NS: distinct(numbers, storedNumber, path) }
  }
  if (values.every((entry) => entry instanceof Uint8Array))
    return { BS: distinct(values as Uint8Array[], (bytes) => Buffer.from(bytes).toString('base64'), path) }
  throw unstorable(path, 'a set must hold only strings, only numbers or only binaries')
}

/** DynamoDB refuses a set holding one value twice as it stores it: 1 and 1n, or two equal byte arrays. */
function distinct<T>(values: T[], stored: (value: T) => string, path: string): T[] {
  if (new Set(values.map(stored)).size < values.length)
    throw unstorable(path, 'the set holds one value twice as DynamoDB stores it')
  return values
}

/** One text per number DynamoDB stores: '1e+21' and '1000000000000000000000' are the same. */
export function storedNumber(text: string): string {
  const { negative, digits, point } = numberParts(text)
  return digits === '' ? '0' : `${negative ? '-' : ''}0.${digits}e${point}`
}

export function marshallItem(item: Item): AttributeMap {
  const map: AttributeMap = {}
  for (const [key, value] of Object.entries(item)) {
    if (value !== undefined) assignOwn(map, key, marshallValue(value, key))
  }
  return map
}

/**
 * DynamoDB numbers hold 38 digits; a double does not. Integers beyond 2^53 come back as bigint and
 * decimals a double would round come back as their exact string, so no amount is silently changed.
 */
export function unmarshallNumber(text: string): number | bigint | string {
  const number = Number(text)
  if (/^-?\d+$/.test(text)) return Number.isSafeInteger(number) ? number : BigInt(text)
  const exact = text.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '')
  return String(number) === exact ? number : text
}

export function unmarshallValue(value: AttributeValue): unknown {
  if (value.S !== undefined) return value.S
  if (value.N !== undefined) return unmarshallNumber(value.N)
  if (value.BOOL !== undefined) return value.BOOL
  if (value.NULL !== undefined) return null
  if (value.B !== undefined) return value.B
  if (value.L !== undefined) return value.L.map(unmarshallValue)
  if (value.M !== undefined) return unmarshallItem(value.M)
  if (value.SS !== undefined) return new Set(value.SS)
  if (value.NS !== undefined) return new Set(value.NS.map(unmarshallNumber))
  if (value.BS !== undefined) return new Set(value.BS)
  throw new ValidationError('Unknown DynamoDB attribute value type')
}

export function unmarshallItem(map: AttributeMap): Item {
  const item: Item = {}
  for (const [key, value] of Object.entries(map)) assignOwn(item, key, unmarshallValue(value))
  return item
}

/**
 * `target[key] = value` as an own property, '__proto__' included: assigned, a stored member of that
 * name would become the object's prototype (its fields would pass for inherited ones) and be lost.
 */
export function assignOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  } else target[key] = value
}
