// The changed fields of one record: compared on the real values (so a changed card number still shows
// as changed), reported only in redacted form.
import { canonicalJson, type JsonValue } from '@dynamorm/core'
import { MAX_DEPTH, type RedactionRule, toEntryValue } from './redaction.ts'

export interface FieldChange {
  before?: JsonValue
  after?: JsonValue
}

/** Dotted path of each changed field -> its redacted before and after values. */
export type ChangeSet = Record<string, FieldChange>

/** An object literal or JSON.parse result, not an instance of a class (a Date, a Map, a binary). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

export function changedFields(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
  rule: RedactionRule,
): ChangeSet {
  const changes: Array<[string, FieldChange]> = []
  compare(before ?? {}, after ?? {}, [], rule, changes)
  // fromEntries defines own members: assigning a field named '__proto__' would set the prototype instead.
  return Object.fromEntries(changes)
}

function compare(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  path: string[],
  rule: RedactionRule,
  changes: Array<[string, FieldChange]>,
  ancestors: Set<object> = new Set(),
): void {
  // The objects on the path down to here, on either side: meeting one again is a cycle.
  ancestors.add(before).add(after)
  const keys = new Set([...Object.keys(before), ...Object.keys(after)])
  for (const key of [...keys].sort()) {
    const fieldPath = [...path, key]
    // Own members only: an absent '__proto__' would otherwise read as Object.prototype.
    const was = Object.hasOwn(before, key) ? before[key] : undefined
    const now = Object.hasOwn(after, key) ? after[key] : undefined
    // A redacted subtree is reported as one field, so not even its inner shape leaks. A cycle or a
    // subtree deeper than entries keep is compared as a whole, in the form toEntryValue cuts it to.
    if (
      isPlainObject(was) &&
      isPlainObject(now) &&
      !rule(fieldPath) &&
      fieldPath.length < MAX_DEPTH &&
      !ancestors.has(was) &&
      !ancestors.has(now)
    ) {
      compare(was, now, fieldPath, rule, changes, ancestors)
      continue
    }
    if (sameValue(was, now, fieldPath)) continue
    // An absent side stays undefined, which the entry's JSON leaves out.
    changes.push([
      fieldPath.join('.'),
      { before: toEntryValue(was, fieldPath, rule), after: toEntryValue(now, fieldPath, rule) },
    ])
  }
  ancestors.delete(before)
  ancestors.delete(after)
}

function sameValue(a: unknown, b: unknown, path: string[]): boolean {
  const left = toEntryValue(a, path, null)
  const right = toEntryValue(b, path, null)
  if (left === undefined || right === undefined) return left === right
  return canonicalJson(left) === canonicalJson(right)
}
