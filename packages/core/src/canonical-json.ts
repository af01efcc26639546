// One JSON encoding per value, whatever order its keys were built in: what audit hashes its chain over
// and idempotency fingerprints payloads with, so both agree on which values are the same.
import { ValidationError } from './errors.ts'
import { pathInMessage } from './path-in-message.ts'

/** A value that survives JSON unchanged. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

/**
 * Canonical JSON: no whitespace, object keys sorted by UTF-16 code units (`Array.prototype.sort`'s
 * default order, exact and case-sensitive, so `{A:1,a:2}` and `{a:2,A:1}` encode the same), arrays in
 * order, strings and numbers as `JSON.stringify` writes them, `toJSON()` honoured once (a Date is its ISO
 * string). As JSON does, an undefined member is absent and an undefined array entry is null. Values JSON
 * cannot carry faithfully (NaN, Infinity, bigint, functions, symbols, Map, Set, class instances, cycles)
 * are a `ValidationError` naming their path (`details.path`, `details.reason`) rather than silently
 * dropped: two different Maps would otherwise both encode as `{}`.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, '$', new Set())
}

function encode(value: unknown, path: string, ancestors: Set<object>, fromToJSON = false): string {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value)
    case 'number':
      if (!Number.isFinite(value)) throw notJson(path, `${value} is not a JSON number`)
      return JSON.stringify(value)
    case 'object':
      return value === null ? 'null' : encodeObject(value, path, ancestors, fromToJSON)
    default:
      throw notJson(path, `a ${typeof value} is not JSON`)
  }
}

function encodeObject(value: object, path: string, ancestors: Set<object>, fromToJSON: boolean): string {
  if (ancestors.has(value)) throw notJson(path, 'the value refers to itself')
  // An ancestor before its toJSON runs, and toJSON applied once as JSON.stringify does: a toJSON answering
  // itself, its holder or another toJSON would otherwise recurse until the stack overflowed.
  ancestors.add(value)
  let text: string
  if (!fromToJSON && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    text = encode((value as { toJSON(): unknown }).toJSON(), path, ancestors, true)
  } else if (Array.isArray(value)) {
    // As JSON.stringify does: a hole or undefined entry is null, so positions never shift.
    // Array.from visits holes (map would skip them and write `[,1]`).
    text = `[${Array.from(value, (entry, index) => (entry === undefined ? 'null' : encode(entry, `${path}[${index}]`, ancestors))).join(',')}]`
  } else {
    const prototype = Object.getPrototypeOf(value)
    if (prototype !== Object.prototype && prototype !== null) {
      throw notJson(path, `a ${value.constructor?.name ?? 'class instance'} is not plain JSON`)
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

// The message names the path and the kind of value, never the value itself (it may be a card number).
function notJson(path: string, reason: string): ValidationError {
  const shown = pathInMessage(path)
  return new ValidationError(`Not canonical JSON at ${shown}: ${reason}`, {
    details: { path: shown, reason },
  })
}
