// The idempotency record as stored in DynamoDB: one item per scoped key, IN_PROGRESS while its
// owner runs the handler, COMPLETED with the stored response once the unit of work commits. Its
// attributes besides the key and the TTL attribute (options) are: status, ownerToken, fingerprint,
// lockedAt, leaseExpiresAt, requestId, completedAt, response and responseEncoding.

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

/** The record with what only this package reads: the fencing token and the stored response. */
export interface StoredRecord extends IdempotencyRecord {
  owner: string
  response: string | Uint8Array | undefined
  responseEncoding: string | undefined
}

/**
 * Reads an unmarshalled item; anything without a record's status and fingerprint gives undefined. The
 * other attributes are taken as this package writes them (a record's numbers are epoch values, safe
 * integers, which core unmarshalls as numbers).
 */
export function readRecord(
  item: Record<string, unknown> | undefined,
  table: RecordTable,
): StoredRecord | undefined {
  const { status, fingerprint, ...stored } = (item ?? {}) as Partial<StoredRecord> & { ownerToken?: string }
  if ((status !== 'IN_PROGRESS' && status !== 'COMPLETED') || typeof fingerprint !== 'string')
    return undefined
  return {
    recordKey: item![table.partitionKey] as string,
    status,
    fingerprint,
    owner: stored.ownerToken!,
    lockedAt: stored.lockedAt!,
    leaseExpiresAt: stored.leaseExpiresAt,
    expiresAt: item![table.ttlAttribute] as number,
    requestId: stored.requestId,
    completedAt: stored.completedAt,
    response: stored.response,
    responseEncoding: stored.responseEncoding,
  }
}

/** The public view of a record: no owner token, no response. */
export function publicRecord(record: StoredRecord): IdempotencyRecord {
  const { owner: _owner, response: _response, responseEncoding: _encoding, ...visible } = record
  return visible
}

/** The item key of a record. */
export function recordItemKey(table: RecordTable, key: string): Record<string, { S: string }> {
  const itemKey: Record<string, { S: string }> = { [table.partitionKey]: { S: key } }
  if (table.sortKey !== undefined) itemKey[table.sortKey] = { S: 'idempotency' }
  return itemKey
}
