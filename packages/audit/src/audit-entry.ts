// What one audit entry says, and how a record() call becomes one. The stored `content` attribute is
// the canonical JSON of AuditEntryContent; the entry's hash is taken over exactly those bytes.
import { canonicalJson, isDynamormError, type JsonValue, MAX_PARTITION_KEY_BYTES } from '@dynamorm/core'
import { auditError } from './audit-error.ts'
import { type ChangeSet, changedFields, isPlainObject } from './change-diff.ts'
import { checkPathLists, type RedactionRule, redactionRule, toEntryValue } from './redaction.ts'
import { entityRef } from './table-layout.ts'

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

/** A record() call after validation and redaction: its part of the entry, waiting for the request's outcome. */
export type QueuedRecord = Pick<AuditEntryContent, 'action' | 'entity' | 'key' | 'changes'>

const MAX_NAME_LENGTH = 256

function invalid(message: string): never {
  throw auditError('AuditRecordInvalidError', `audit.record(): ${message}`)
}

// A lone surrogate has no UTF-8 form: encodeURIComponent throws on it when the entity goes into a key.
const LONE_SURROGATE = /\p{Surrogate}/u

function checkName(field: string, value: unknown): string {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > MAX_NAME_LENGTH ||
    LONE_SURROGATE.test(value)
  ) {
    invalid(`${field} must be a non-empty, well-formed string of at most ${MAX_NAME_LENGTH} characters`)
  }
  return value
}

/** Validates and redacts one record() call; throws AuditRecordInvalidError without echoing values. */
export function queueRecord(input: AuditRecordInput, rule: RedactionRule, partnerId: string): QueuedRecord {
  try {
    return readRecord(input, rule, partnerId)
  } catch (error) {
    if (isDynamormError(error, 'AuditRecordInvalidError')) throw error
    // A getter or proxy in the input threw: its error is left out, since its message may hold a value.
    return invalid('the record, its key, before or after could not be read: a getter or proxy threw')
  }
}

function readRecord(input: AuditRecordInput, rule: RedactionRule, partnerId: string): QueuedRecord {
  if (!isPlainObject(input)) invalid('expects an object { action, entity, key, before?, after? }')
  const action = checkName('action', input.action)
  const entity = checkName('entity', input.entity)
  if (!isPlainObject(input.key) || Object.keys(input.key).length === 0) {
    invalid('key must be a non-empty object of the entity key attributes')
  }
  for (const side of ['before', 'after'] as const) {
    if (input[side] !== undefined && !isPlainObject(input[side])) invalid(`${side} must be an object`)
  }
  const encrypted = input.model?.encrypted ?? []
  const sensitive = input.sensitive ?? []
  checkPathLists({ 'model.encrypted': encrypted, sensitive }, invalid)
  const recordRule = redactionRule([...encrypted, ...sensitive], [], rule)
  const key = toEntryValue(input.key, [], null) as { [name: string]: JsonValue }
  // Refused here rather than by DynamoDB at commit, which would cancel the business writes with it.
  const bytes = Buffer.byteLength(entityRef(partnerId, entity, canonicalJson(key)))
  if (bytes > MAX_PARTITION_KEY_BYTES) {
    invalid(
      `partner, entity and key take ${bytes} bytes in the byEntity index key; DynamoDB holds at most ${MAX_PARTITION_KEY_BYTES} bytes`,
    )
  }
  return {
    action,
    entity,
    key,
    changes: boundedChanges(changedFields(input.before, input.after, recordRule)),
  }
}

// DynamoDB items stop at 400 KB and transactions at 4 MB, and an oversized entry would cancel the
// business write it commits with. Counted in UTF-8 bytes, as DynamoDB counts: past this size the values
// are dropped (the changed paths stay), then the paths too.
const MAX_CHANGES_BYTES = 60_000
const TOO_LARGE = '[TOO LARGE]'

const fits = (changes: ChangeSet) => Buffer.byteLength(JSON.stringify(changes)) <= MAX_CHANGES_BYTES

function boundedChanges(changes: ChangeSet): ChangeSet {
  if (fits(changes)) return changes
  const paths = Object.keys(changes)
  const pathsOnly: ChangeSet = Object.fromEntries(paths.map((path) => [path, { after: TOO_LARGE }]))
  return fits(pathsOnly) ? pathsOnly : { [TOO_LARGE]: {} }
}
