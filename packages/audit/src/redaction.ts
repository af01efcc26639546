// Sensitive values never reach an entry: configured paths, the model's encrypted attributes and every
// binary value (binary attributes are where ciphertext lives) become '[REDACTED]' before hashing.
import type { JsonValue } from '@dynamorm/core'

export const REDACTED = '[REDACTED]'

// Deep or cyclic values are cut rather than overflowing the stack inside a Lambda's after phase.
const MAX_DEPTH = 32

export interface RedactionRules {
  /** Paths split on '.', '*' matching any one key or array index. */
  readonly paths: readonly (readonly string[])[]
  /** Attribute names redacted wherever they appear. */
  readonly names: ReadonlySet<string>
}

export function redactionRules(paths: readonly string[], names: readonly string[]): RedactionRules {
  return { paths: paths.map((path) => path.split('.')), names: new Set(names) }
}

/** Rules of the middleware plus one record's own (its model's encrypted attributes, its `sensitive`). */
export function withRecordRules(rules: RedactionRules, paths: readonly string[]): RedactionRules {
  return paths.length === 0
    ? rules
    : { paths: [...rules.paths, ...paths.map((path) => path.split('.'))], names: rules.names }
}

/** True when a rule covers this path or one of its ancestors. */
export function isRedactedPath(rules: RedactionRules, path: readonly string[]): boolean {
  if (path.some((segment) => rules.names.has(segment))) return true
  return rules.paths.some(
    (rule) =>
      rule.length <= path.length &&
      rule.every((segment, index) => segment === '*' || segment === path[index]),
  )
}

/**
 * The JSON form of a value as stored in an entry. With `rules` null it is a comparison form only:
 * binaries are kept (base64) so changed ciphertext still counts as a change; it is never stored.
 */
export function toEntryValue(
  value: unknown,
  path: readonly string[],
  rules: RedactionRules | null,
  seen: WeakSet<object> = new WeakSet(),
): JsonValue | undefined {
  if (rules !== null && path.length > 0 && isRedactedPath(rules, path))
    return value === undefined ? undefined : REDACTED
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
      return objectEntryValue(value, path, rules, seen)
    default:
      return undefined
  }
}

function objectEntryValue(
  value: object,
  path: readonly string[],
  rules: RedactionRules | null,
  seen: WeakSet<object>,
): JsonValue {
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) {
    return rules === null ? `binary:${Buffer.from(value as Uint8Array).toString('base64')}` : REDACTED
  }
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()
  if (path.length >= MAX_DEPTH) return '[TOO DEEP]'
  if (seen.has(value)) return '[CIRCULAR]'
  seen.add(value)
  try {
    if (Array.isArray(value)) {
      return value.map((entry, index) => toEntryValue(entry, [...path, String(index)], rules, seen) ?? null)
    }
    if (value instanceof Set) {
      // A set has no order; sorting makes equal sets hash equally. Members share the set's path.
      const members = [...value].map((entry) => toEntryValue(entry, path, rules, seen) ?? null)
      return members.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1))
    }
    const entries =
      value instanceof Map
        ? [...value.entries()].map(([key, entry]) => [String(key), entry] as const)
        : Object.entries(value)
    const members: Array<[string, JsonValue]> = []
    for (const [key, entry] of entries) {
      const converted = toEntryValue(entry, [...path, key], rules, seen)
      if (converted !== undefined) members.push([key, converted])
    }
    // fromEntries defines own members: assigning a parsed '__proto__' would set the prototype instead.
    return Object.fromEntries(members)
  } finally {
    seen.delete(value)
  }
}
