// The request's fingerprint: SHA-256 of a canonical JSON encoding, so the same payload always gives
// the same digest however its keys were ordered, and a different payload never passes for it.
import { createHash } from 'node:crypto'
import { IdempotencyPayloadInvalidError } from './errors.ts'

/**
 * Canonical JSON: object keys sorted by UTF-16 code units (`Array.prototype.sort`'s default order,
 * exact and case-sensitive, so `{A:1,a:2}` and `{a:2,A:1}` encode the same), arrays in order, numbers
 * as JSON writes them. Values JSON cannot carry faithfully are rejected rather than silently dropped
 * (two different Maps would otherwise both encode as `{}`).
 */
export function canonicalJson(value: unknown): string {
  return encode(value, '$', new Set())
}

function encode(value: unknown, path: string, ancestors: Set<object>): string {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value)
    case 'number':
      if (!Number.isFinite(value)) throw invalid(path, `${value} is not a JSON number`)
      return JSON.stringify(value)
    case 'object':
      return value === null ? 'null' : encodeObject(value, path, ancestors)
    default:
      throw invalid(path, `a ${typeof value} is not JSON`)
  }
}

function encodeObject(value: object, path: string, ancestors: Set<object>): string {
  if (ancestors.has(value)) throw invalid(path, 'the payload refers to itself')
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return encode((value as { toJSON(): unknown }).toJSON(), path, ancestors)
  }
  ancestors.add(value)
  let text: string
  if (Array.isArray(value)) {
    // As JSON.stringify does: a hole or undefined entry is null, so positions never shift.
    text = `[${value.map((entry, index) => (entry === undefined ? 'null' : encode(entry, `${path}[${index}]`, ancestors))).join(',')}]`
  } else {
    const prototype = Object.getPrototypeOf(value)
    if (prototype !== Object.prototype && prototype !== null) {
      throw invalid(path, `a ${value.constructor?.name ?? 'class instance'} is not plain JSON`)
    }
    const record = value as Record<string, unknown>
    const members: string[] = []
    for (const key of Object.keys(record).sort()) {
      const entry = record[key]
      // As JSON.stringify does: an undefined member is absent.
      if (entry !== undefined)
        members.push(`${JSON.stringify(key)}:${encode(entry, `${path}.${key}`, ancestors)}`)
    }
    text = `{${members.join(',')}}`
  }
  ancestors.delete(value)
  return text
}

function invalid(path: string, reason: string): IdempotencyPayloadInvalidError {
  return new IdempotencyPayloadInvalidError(`The request payload cannot be fingerprinted: ${path}: ${reason}`)
}

/** Hex SHA-256 of the payload's canonical JSON; `undefined` (no payload) fingerprints as `null`. */
export function fingerprint(payload: unknown): string {
  return createHash('sha256')
    .update(payload === undefined ? 'null' : canonicalJson(payload))
    .digest('hex')
}
