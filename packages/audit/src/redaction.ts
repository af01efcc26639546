// Sensitive values never reach an entry: configured paths, the model's encrypted attributes and every
// binary value (binary attributes are where ciphertext lives) become '[REDACTED]' before hashing.
import type { JsonValue } from '@dynamorm/core'
import { auditError } from './audit-error.ts'

export const REDACTED = '[REDACTED]'

// Deep or cyclic values are cut rather than overflowing the stack inside a Lambda's after phase.
export const MAX_DEPTH = 32

/** Whether a value at this path (keys and array indexes) is redacted, itself or through an ancestor. */
export type RedactionRule = (path: readonly string[]) => boolean

/**
 * Paths split on '.', '*' matching any one key or array index ('bank.*.iban'), and attribute names
 * redacted wherever they appear, in any letter case ('cvv' hides 'CVV': better hidden than leaked);
 * `also` adds another rule's (the middleware's, under a record's own).
 */
export function redactionRule(
  paths: readonly string[],
  names: readonly string[] = [],
  also: RedactionRule = () => false,
): RedactionRule {
  const rules = paths.map((path) => path.split('.'))
  const sensitive = new Set(names.map((name) => name.toLowerCase()))
  return (path) =>
    also(path) ||
    path.some((segment) => sensitive.has(segment.toLowerCase())) ||
    rules.some(
      (rule) =>
        rule.length <= path.length &&
        rule.every((segment, index) => segment === '*' || segment === path[index]),
    )
}

/** Fails, through `fail`, on the first list given that is not an array of non-empty strings. */
export function checkPathLists(lists: Record<string, unknown>, fail: (message: string) => never): void {
  for (const [name, paths] of Object.entries(lists)) {
    if (
      paths !== undefined &&
      !(Array.isArray(paths) && paths.every((path) => typeof path === 'string' && path !== ''))
    )
      fail(`${name} must be an array of non-empty strings`)
  }
}

/**
 * The JSON form of a value as stored in an entry. With `rule` null it is a comparison form only:
 * binaries are kept (base64) so changed ciphertext still counts as a change; it is never stored.
 */
export function toEntryValue(
  value: unknown,
  path: readonly string[],
  rule: RedactionRule | null,
  seen: WeakSet<object> = new WeakSet(),
): JsonValue | undefined {
  if (rule?.(path)) return value === undefined ? undefined : REDACTED
  if (value === null) return null
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value
    case 'number':
      return Number.isFinite(value) ? value : String(value)
    case 'bigint':
      return value.toString()
    case 'object':
      return objectEntryValue(value, path, rule, seen)
    default:
      return undefined
  }
}

function objectEntryValue(
  value: object,
  path: readonly string[],
  rule: RedactionRule | null,
  seen: WeakSet<object>,
): JsonValue {
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) {
    return rule === null ? `binary:${Buffer.from(value as Uint8Array).toString('base64')}` : REDACTED
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()
  if (path.length >= MAX_DEPTH) return '[TOO DEEP]'
  if (seen.has(value)) return '[CIRCULAR]'
  seen.add(value)
  try {
    if (Array.isArray(value)) {
      return value.map((entry, index) => toEntryValue(entry, [...path, String(index)], rule, seen) ?? null)
    }
    if (value instanceof Set) {
      // A set has no order; sorting makes equal sets hash equally. Members share the set's path.
      const members = [...value].map((entry) => toEntryValue(entry, path, rule, seen) ?? null)
      return members.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))
    }
    const entries = value instanceof Map ? mapEntries(value) : Object.entries(value)
    const members: Array<[string, JsonValue]> = []
    for (const [key, entry] of entries) {
      const converted = toEntryValue(entry, [...path, key], rule, seen)
      if (converted !== undefined) members.push([key, converted])
    }
    // fromEntries defines own members: assigning a parsed '__proto__' would set the prototype instead.
    return Object.fromEntries(members)
  } finally {
    seen.delete(value)
  }
}

/**
 * A map's members under their keys as text. Keys without a text of their own (objects, symbols) or two
 * keys with the same text (1 and '1') would merge members, and a change under one of them go unrecorded.
 */
function mapEntries(map: Map<unknown, unknown>): Array<readonly [string, unknown]> {
  const entries = Array.from(map, ([key, entry]) => {
    if (!['string', 'number', 'bigint', 'boolean'].includes(typeof key)) refuseMapKeys()
    return [String(key), entry] as const
  })
  if (new Set(entries.map(([key]) => key)).size !== entries.length) refuseMapKeys()
  return entries
}

function refuseMapKeys(): never {
  throw auditError(
    'AuditRecordInvalidError',
    'A Map in the record has a key that is not a string, number, bigint or boolean, or two keys with the same text',
  )
}
