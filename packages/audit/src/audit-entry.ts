// What one audit entry says, and how a record() call becomes one. The stored `content` attribute is
// the canonical JSON of AuditEntryContent; the entry's hash is taken over exactly those bytes.
import type { CapacityTotals, CostEstimate } from '@dynamorm/core'
import { canonicalJson, type JsonValue } from '@dynamorm/core'
import { auditError } from './audit-error.ts'
import { type ChangeSet, changedFields } from './change-diff.ts'
import { type RedactionRules, toEntryValue, withRecordRules } from './redaction.ts'

export type AuditOutcome = 'success' | { failure: string }

/** What a handler passes to `context.audit.record(...)`. */
export interface AuditRecordInput {
  /** What was done, in the payment domain's words: 'capture', 'refund', 'payout.create'. */
  action: string
  /** The kind of thing it was done to: 'Payment', 'Payout'. */
  entity: string
  /** The entity's identifying attributes ({ paymentId }); stored unredacted, so never put secrets here. */
  key: Record<string, unknown>
  /** The item before the change (absent for a create). */
  before?: Record<string, unknown>
  /** The item after the change (absent for a delete). */
  after?: Record<string, unknown>
  /** The model written (a core model); its encrypted attributes (`model.encrypted`) are redacted. */
  model?: { readonly encrypted?: readonly string[] }
  /** More paths to redact for this record only ('card.number', 'bank.*.iban'). */
  sensitive?: readonly string[]
}

/** The hashed content of one entry. */
export interface AuditEntryContent {
  /** Entry format version. */
  v: 1
  partner: string
  /** Principal from the authorizer (`sub`, `principalId`), or 'anonymous'. */
  actor: string
  requestId: string
  sourceIp: string | null
  /** ISO-8601, when the entry was chained. */
  timestamp: string
  action: string
  entity: string
  key: { [name: string]: JsonValue }
  outcome: AuditOutcome
  /** Changed fields, redacted. */
  changes: ChangeSet
  /** The request's consumed capacity when the entry was written (the final commit is not in it). */
  capacity: { calls: number; readCapacityUnits: number; writeCapacityUnits: number }
  /** Estimated USD cost of that capacity, or null when no price is configured for the region. */
  cost: { currency: 'USD'; total: number } | null
  chain: { shard: number; seq: number; prevHash: string }
}

/** An entry as read back: its content plus the hash stored beside it. */
export interface AuditEntry extends AuditEntryContent {
  hash: string
}

/** A record() call after validation and redaction, waiting for the request's outcome. */
export interface QueuedRecord {
  action: string
  entity: string
  key: { [name: string]: JsonValue }
  keyJson: string
  changes: ChangeSet
}

/** Who did it and where from: the same for every entry of a request. */
export interface RequestFacts {
  partner: string
  actor: string
  requestId: string
  sourceIp: string | null
}

const MAX_NAME_LENGTH = 256

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

function invalid(message: string): never {
  throw auditError('AuditRecordInvalidError', `audit.record(): ${message}`)
}

function checkName(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_NAME_LENGTH) {
    invalid(`${field} must be a non-empty string of at most ${MAX_NAME_LENGTH} characters`)
  }
  return value
}

function checkPaths(paths: unknown, field: string): readonly string[] {
  if (paths === undefined) return []
  if (!Array.isArray(paths) || !paths.every((path) => typeof path === 'string' && path.length > 0)) {
    invalid(`${field} must be an array of non-empty strings`)
  }
  return paths as string[]
}

/** Validates and redacts one record() call; throws AuditRecordInvalidError without echoing values. */
export function queueRecord(input: AuditRecordInput, rules: RedactionRules): QueuedRecord {
  if (!isPlainObject(input)) invalid('expects an object { action, entity, key, before?, after? }')
  const action = checkName('action', input.action)
  const entity = checkName('entity', input.entity)
  if (!isPlainObject(input.key) || Object.keys(input.key).length === 0) {
    invalid('key must be a non-empty object of the entity key attributes')
  }
  for (const side of ['before', 'after'] as const) {
    if (input[side] !== undefined && !isPlainObject(input[side])) invalid(`${side} must be an object`)
  }
  const encrypted = checkPaths(input.model?.encrypted, 'model.encrypted')
  const sensitive = checkPaths(input.sensitive, 'sensitive')
  const recordRules = withRecordRules(rules, [...encrypted, ...sensitive])
  const key = toEntryValue(input.key, [], null) as { [name: string]: JsonValue }
  return {
    action,
    entity,
    key,
    keyJson: canonicalJson(key),
    changes: boundedChanges(changedFields(input.before, input.after, recordRules)),
  }
}

// DynamoDB items stop at 400 KB, and an oversized entry would cancel the business write it commits
// with. Past this size the values are dropped (the changed paths stay), then the paths too.
const MAX_CHANGES_CHARS = 60_000
export const TOO_LARGE = '[TOO LARGE]'

function boundedChanges(changes: ChangeSet): ChangeSet {
  if (JSON.stringify(changes).length <= MAX_CHANGES_CHARS) return changes
  const paths = Object.keys(changes)
  const pathsOnly: ChangeSet = Object.fromEntries(paths.map((path) => [path, { after: TOO_LARGE }]))
  return JSON.stringify(pathsOnly).length <= MAX_CHANGES_CHARS ? pathsOnly : { [TOO_LARGE]: {} }
}

export function entryContent(
  record: QueuedRecord,
  facts: RequestFacts,
  outcome: AuditOutcome,
  totals: CapacityTotals,
  cost: CostEstimate | null,
  timestamp: string,
  chain: AuditEntryContent['chain'],
): AuditEntryContent {
  return {
    v: 1,
    ...facts,
    timestamp,
    action: record.action,
    entity: record.entity,
    key: record.key,
    outcome,
    changes: record.changes,
    capacity: {
      calls: totals.calls,
      readCapacityUnits: totals.readCapacityUnits,
      writeCapacityUnits: totals.writeCapacityUnits,
    },
    cost: cost === null ? null : { currency: 'USD', total: cost.total },
    chain,
  }
}
