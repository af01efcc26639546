// The idempotency record as stored in DynamoDB: one item per scoped key, IN_PROGRESS while its
// owner runs the handler, COMPLETED with the stored response once the unit of work commits.

/**
 * The record's attributes besides the key and the TTL attribute (options), which may therefore not be
 * named like any of these: a key named ownerToken would make every request its own record.
 */
export const RECORD_ATTRIBUTES: ReadonlySet<string> = new Set([
  'status',
  'ownerToken',
  'fingerprint',
  'lockedAt',
  'leaseExpiresAt',
  'requestId',
  'completedAt',
  'response',
  'responseEncoding',
])

export type RecordStatus = 'IN_PROGRESS' | 'COMPLETED'

/** Where records live: the physical table and its key and TTL attribute names. */
export interface RecordTable {
  tableName: string
  partitionKey: string
  /** Sort key attribute of a table that has one; records use the constant value `idempotency`. */
  sortKey: string | undefined
  ttlAttribute: string
}

/** What the reconcile hook (and error details) see of a record: never the owner token or the response. */
export interface IdempotencyRecord {
  recordKey: string
  status: RecordStatus
  fingerprint: string
  /** When the lock was taken (epoch ms). */
  lockedAt: number
  /** When the holder's lease ends (epoch ms); absent once completed. */
  leaseExpiresAt: number | undefined
  /** When the record expires (epoch seconds, the TTL attribute). */
  expiresAt: number
  /** The Lambda request id of the invocation that took the lock. */
  requestId: string | undefined
  completedAt: number | undefined
}

/**
 * A record item as this package writes it, unmarshalled (its numbers are epoch values, safe integers,
 * which core unmarshalls as numbers); the key and the TTL attribute are under the table's names.
 */
export interface StoredRecord {
  [attribute: string]: unknown
  status: RecordStatus
  fingerprint: string
  /**
   * The fencing token of the invocation that holds (or held) the lock; once completed, of the one that
   * wrote the outcome (a reconciling request, after a reconcile hook's `{ complete }`).
   */
  ownerToken: string
  lockedAt: number
  leaseExpiresAt?: number
  requestId?: string
  completedAt?: number
  response?: string | Uint8Array
  responseEncoding?: string
}

/** Whether an item found under a record's key is a record: it has a record's status and a fingerprint. */
export function isRecord(item: Record<string, unknown> | undefined): item is StoredRecord {
  return (
    (item?.status === 'IN_PROGRESS' || item?.status === 'COMPLETED') && typeof item.fingerprint === 'string'
  )
}

/** The public view of a record: no owner token, no response. */
export function publicRecord(record: StoredRecord, table: RecordTable): IdempotencyRecord {
  return {
    recordKey: record[table.partitionKey] as string,
    status: record.status,
    fingerprint: record.fingerprint,
    lockedAt: record.lockedAt,
    leaseExpiresAt: record.leaseExpiresAt,
    expiresAt: record[table.ttlAttribute] as number,
    requestId: record.requestId,
    completedAt: record.completedAt,
  }
}

/** The item key of a record, unmarshalled. */
export function recordItemKey(table: RecordTable, recordKey: string): Record<string, string> {
  const key = { [table.partitionKey]: recordKey }
  if (table.sortKey !== undefined) key[table.sortKey] = 'idempotency'
  return key
}
