// The changed fields of one record: compared on the real values (so a changed card number still shows
// as changed), reported only in redacted form.
import { canonicalJson, type JsonValue } from '@dynamorm/core'
import { isRedactedPath, type RedactionRules, toEntryValue } from './redaction.ts'

export interface FieldChange {
  before?: JsonValue
  after?: JsonValue
}

/** Dotted path of each changed field -> its redacted before and after values. */
export type ChangeSet = Record<string, FieldChange>

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

export function changedFields(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
  rules: RedactionRules,
): ChangeSet {
  const changes: ChangeSet = {}
  compare(before ?? {}, after ?? {}, [], rules, changes)
  return changes
}

function compare(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  path: string[],
  rules: RedactionRules,
  changes: ChangeSet,
): void {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)])
  for (const key of [...keys].sort()) {
    const fieldPath = [...path, key]
    // Own members only: an absent '__proto__' would otherwise read as Object.prototype.
    const was = Object.hasOwn(before, key) ? before[key] : undefined
    const now = Object.hasOwn(after, key) ? after[key] : undefined
    // A redacted subtree is reported as one field, so not even its inner shape leaks.
    if (isPlainObject(was) && isPlainObject(now) && !isRedactedPath(rules, fieldPath)) {
      compare(was, now, fieldPath, rules, changes)
      continue
    }
    if (sameValue(was, now, fieldPath)) continue
    const change: FieldChange = {}
    const beforeValue = toEntryValue(was, fieldPath, rules)
    const afterValue = toEntryValue(now, fieldPath, rules)
    if (beforeValue !== undefined) change.before = beforeValue
    if (afterValue !== undefined) change.after = afterValue
    // Defined, not assigned: a field named '__proto__' must stay a field, not become the prototype.
    Object.defineProperty(changes, fieldPath.join('.'), {
      value: change,
      enumerable: true,
      writable: true,
      configurable: true,
    })
  }
}

function sameValue(a: unknown, b: unknown, path: string[]): boolean {
  const left = toEntryValue(a, path, null)
  const right = toEntryValue(b, path, null)
  if (left === undefined || right === undefined) return left === right
  return canonicalJson(left) === canonicalJson(right)
}
