// Where entries live in the audit table (keys `pk`/`sk`, both strings):
//   chain shard partition  pk = AUDIT#<partner>#<shard>
//     entries              sk = ENTRY#<seq, 12 digits>   (Query in chain order)
//     chain head + lease   sk = HEAD                     (sorts after every ENTRY#)
//   GSI byEntity           entityRef = <partner>#<entity>#<key>, recordedAt = <timestamp>#<shard>#<seq>
//   GSI byPartnerTime      partnerRef = <partner>,              recordedAt
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb'
import { canonicalJson } from '@dynamorm/core'
import type { AuditEntryContent } from './audit-entry.ts'

export const ENTITY_INDEX = 'byEntity'
export const PARTNER_TIME_INDEX = 'byPartnerTime'
export const HEAD_SORT_KEY = 'HEAD'
/** The head's attributes, by placeholder: `owner` and `hash` are DynamoDB reserved words. */
export const HEAD_ATTRIBUTE_NAMES = {
  '#owner': 'owner',
  '#leaseUntil': 'leaseUntil',
  '#seq': 'seq',
  '#hash': 'hash',
}
const ENTRY_PREFIX = 'ENTRY#'
const SEQ_DIGITS = 12

// Partner ids and entity names go into '#'-separated keys; encoding keeps a '#' in them from
// making one partner's keys look like another's.
const part = (value: string): string => encodeURIComponent(value)

export function shardPartitionKey(partnerId: string, shard: number): string {
  return `AUDIT#${part(partnerId)}#${shard}`
}

/** The shard of one of the partner's chain partitions, or undefined when `pk` is not one. */
export function shardOfPartitionKey(partnerId: string, pk: string): number | undefined {
  const prefix = `AUDIT#${part(partnerId)}#`
  if (!pk.startsWith(prefix)) return undefined
  const digits = pk.slice(prefix.length)
  return /^(0|[1-9][0-9]{0,8})$/.test(digits) ? Number(digits) : undefined
}

export function entrySortKey(seq: number): string {
  return `${ENTRY_PREFIX}${String(seq).padStart(SEQ_DIGITS, '0')}`
}

/** The seq of an entry's sort key, or undefined when the key is not an entry key. */
export function seqOfSortKey(sortKey: string): number | undefined {
  if (!sortKey.startsWith(ENTRY_PREFIX)) return undefined
  const seq = Number(sortKey.slice(ENTRY_PREFIX.length))
  return Number.isSafeInteger(seq) && seq > 0 ? seq : undefined
}

export function entityRef(partnerId: string, entity: string, keyJson: string): string {
  return `${part(partnerId)}#${part(entity)}#${keyJson}`
}

export function partnerRef(partnerId: string): string {
  return part(partnerId)
}

export function recordedAt(timestamp: string, shard: number, seq: number): string {
  return `${timestamp}#${String(shard).padStart(4, '0')}#${String(seq).padStart(SEQ_DIGITS, '0')}`
}

export type EntryIndexAttributes = Record<'entityRef' | 'partnerRef' | 'recordedAt', string>

/** An entry's index attributes, all derived from its hashed content: the verifier recomputes them. */
export function entryIndexAttributes(
  partnerId: string,
  content: Pick<AuditEntryContent, 'entity' | 'key' | 'timestamp' | 'chain'>,
): EntryIndexAttributes {
  return {
    entityRef: entityRef(partnerId, content.entity, canonicalJson(content.key)),
    partnerRef: partnerRef(partnerId),
    recordedAt: recordedAt(content.timestamp, content.chain.shard, content.chain.seq),
  }
}

/** CreateTable input for an on-demand audit table with both indexes (for IaC, tests and benches). */
export function auditTableDefinition(tableName: string): CreateTableCommandInput {
  const index = (IndexName: string, partition: string) => ({
    IndexName,
    KeySchema: [
      { AttributeName: partition, KeyType: 'HASH' as const },
      { AttributeName: 'recordedAt', KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'ALL' as const },
  })
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: ['pk', 'sk', 'entityRef', 'partnerRef', 'recordedAt'].map((AttributeName) => ({
      AttributeName,
      AttributeType: 'S' as const,
    })),
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [index(ENTITY_INDEX, 'entityRef'), index(PARTNER_TIME_INDEX, 'partnerRef')],
  }
}
