// Reading the trail back: one entity's history, a partner's entries in a time range (both through
// indexes), and the whole chain as JSON lines that an outside verifier can check without this code.
import { type AttributeValue, QueryCommand, type QueryCommandInput } from '@aws-sdk/client-dynamodb'
import type { Db } from '@dynamorm/core'
import { canonicalJson, type JsonValue } from '@dynamorm/core'
import type { AuditEntry } from './audit-entry.ts'
import { auditError } from './audit-error.ts'
import { toEntryValue } from './redaction.ts'
import {
  ENTITY_INDEX,
  entityRef,
  PARTNER_TIME_INDEX,
  partnerRef,
  shardOfPartitionKey,
  shardPartitionKey,
} from './table-layout.ts'

export interface AuditReadOptions {
  db: Db
  /** Logical audit table name (default 'audit'). */
  table?: string
  partnerId: string
}

export interface EntityHistoryOptions extends AuditReadOptions {
  entity: string
  /** The same key object record() was given. */
  key: Record<string, unknown>
  /** Newest first (default false: oldest first). */
  newestFirst?: boolean
  /** Stop after this many entries. */
  limit?: number
}

export interface TimeRangeOptions extends AuditReadOptions {
  /** Inclusive. */
  from: Date | string
  /** Inclusive. */
  to: Date | string
  limit?: number
}

export interface ExportOptions extends AuditReadOptions {
  /** Shards always read: 0 to `shards` - 1 (default 64); every other shard holding an entry is found too. */
  shards?: number
}

function checkRead(options: AuditReadOptions, reader: string): void {
  if (typeof options.partnerId !== 'string' || options.partnerId.length === 0)
    throw auditError('AuditOptionsInvalidError', `${reader}(): partnerId must be a non-empty string`)
}

function checkLimit(limit: number | undefined, reader: string): void {
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1))
    throw auditError('AuditOptionsInvalidError', `${reader}(): limit must be a positive integer`)
}

async function* queryItems(db: Db, input: QueryCommandInput): AsyncGenerator<Record<string, AttributeValue>> {
  let startKey: Record<string, AttributeValue> | undefined
  do {
    const page = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }))
    yield* page.Items ?? []
    startKey = page.LastEvaluatedKey
  } while (startKey !== undefined)
}

function toEntry(item: Record<string, AttributeValue>): AuditEntry | undefined {
  if (item.content?.S === undefined) return undefined // the chain head, not an entry
  return { ...(JSON.parse(item.content.S) as Omit<AuditEntry, 'hash'>), hash: item.hash?.S ?? '' }
}

async function collect(
  items: AsyncIterable<Record<string, AttributeValue>>,
  limit?: number,
): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = []
  for await (const item of items) {
    const entry = toEntry(item)
    if (entry !== undefined) entries.push(entry)
    if (limit !== undefined && entries.length >= limit) break
  }
  return entries
}

/** Every entry about one entity (by entity name and key), in time order. */
export async function entityHistory(options: EntityHistoryOptions): Promise<AuditEntry[]> {
  checkRead(options, 'entityHistory')
  checkLimit(options.limit, 'entityHistory')
  if (typeof options.entity !== 'string' || options.entity.length === 0)
    throw auditError('AuditOptionsInvalidError', 'entityHistory(): entity must be a non-empty string')
  if (typeof options.key !== 'object' || options.key === null || Object.keys(options.key).length === 0)
    throw auditError('AuditOptionsInvalidError', 'entityHistory(): key must be a non-empty object')
  const keyJson = canonicalJson(toEntryValue(options.key, [], null) as JsonValue)
  const items = queryItems(options.db, {
    TableName: options.db.tableName(options.table ?? 'audit'),
    IndexName: ENTITY_INDEX,
    KeyConditionExpression: 'entityRef = :ref',
    ExpressionAttributeValues: { ':ref': { S: entityRef(options.partnerId, options.entity, keyJson) } },
    ScanIndexForward: !options.newestFirst,
  })
  return collect(items, options.limit)
}

/** A partner's entries whose timestamp lies in [from, to], in time order. */
export async function entriesBetween(options: TimeRangeOptions): Promise<AuditEntry[]> {
  checkRead(options, 'entriesBetween')
  checkLimit(options.limit, 'entriesBetween')
  const from = isoOf(options.from, 'from')
  const to = isoOf(options.to, 'to')
  if (from > to) throw auditError('AuditOptionsInvalidError', 'entriesBetween(): from is after to')
  const items = queryItems(options.db, {
    TableName: options.db.tableName(options.table ?? 'audit'),
    IndexName: PARTNER_TIME_INDEX,
    KeyConditionExpression: 'partnerRef = :partner AND recordedAt BETWEEN :from AND :to',
    ExpressionAttributeValues: {
      ':partner': { S: partnerRef(options.partnerId) },
      ':from': { S: from },
      // recordedAt is '<timestamp>#<shard>#<seq>': '$' sorts after '#', so entries at `to` are included.
      ':to': { S: `${to}$` },
    },
  })
  return collect(items, options.limit)
}

/**
 * The shards to read for a partner's whole trail: 0 to `floor` - 1, and every shard with an entry on the
 * byPartnerTime index. The trail does not record the shard count it was written with, so a count given
 * by the reader can only be a floor; the index finds shards beyond it (and is not fooled by a deleted head).
 */
export async function trailShards(
  db: Db,
  tableName: string,
  partnerId: string,
  floor: number,
): Promise<number[]> {
  const shards = new Set(Array.from({ length: floor }, (_, shard) => shard))
  const items = queryItems(db, {
    TableName: tableName,
    IndexName: PARTNER_TIME_INDEX,
    KeyConditionExpression: 'partnerRef = :partner',
    ExpressionAttributeValues: { ':partner': { S: partnerRef(partnerId) } },
    ProjectionExpression: 'pk',
  })
  for await (const item of items) {
    const shard = shardOfPartitionKey(partnerId, item.pk?.S ?? '')
    if (shard !== undefined) shards.add(shard)
  }
  return [...shards].sort((a, b) => a - b)
}

function isoOf(value: Date | string, name: string): string {
  const date = value instanceof Date ? value : new Date(value)
  if (Number.isNaN(date.getTime()))
    throw auditError('AuditOptionsInvalidError', `entriesBetween(): ${name} is not a valid date`)
  return date.toISOString()
}

/**
 * The partner's whole trail, shard by shard in chain order, one JSON object per line: the entry's
 * content plus its `hash`. Removing `hash` and re-serialising with sorted keys gives the hashed bytes.
 */
export async function* exportJsonLines(options: ExportOptions): AsyncGenerator<string> {
  checkRead(options, 'exportJsonLines')
  const shards = options.shards ?? 64
  if (!Number.isSafeInteger(shards) || shards < 1)
    throw auditError('AuditOptionsInvalidError', 'exportJsonLines(): shards must be a positive integer')
  const tableName = options.db.tableName(options.table ?? 'audit')
  for (const shard of await trailShards(options.db, tableName, options.partnerId, shards)) {
    const items = queryItems(options.db, {
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :entry)',
      ExpressionAttributeValues: {
        ':pk': { S: shardPartitionKey(options.partnerId, shard) },
        ':entry': { S: 'ENTRY#' },
      },
      ConsistentRead: true,
    })
    for await (const item of items) {
      const entry = toEntry(item)
      if (entry !== undefined) yield canonicalJson(entry as unknown as JsonValue)
    }
  }
}
