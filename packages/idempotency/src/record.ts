// The idempotency record as stored in DynamoDB: one item per scoped key, IN_PROGRESS while its
// owner runs the handler, COMPLETED with the stored response once the unit of work commits.

export type RecordStatus = 'IN_PROGRESS' | 'COMPLETED'

/** Attribute names besides the key and the TTL attribute, which are options. */
export const ATTR = {
  status: 'status',
  owner: 'ownerToken',
  fingerprint: 'fingerprint',
  leaseExpiresAt: 'leaseExpiresAt',
  lockedAt: 'lockedAt',
  requestId: 'requestId',
  completedAt: 'completedAt',
  response: 'response',
  responseEncoding: 'responseEncoding',
} as const

/** Where records live: the physical table and its key and TTL attribute names. */
export interface RecordTable {
  tableName: string
  partitionKey: string
  /** Sort key attribute of a table that has one; records use the constant value `idempotency`. */
  sortKey: string | undefined
  ttlAttribute: string
}

export const SORT_KEY_VALUE = 'idempotency'

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

const asNumber = (value: unknown): number | undefined =>
  typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : undefined

/** Reads an unmarshalled item; anything that is not a record this package wrote gives undefined. */
export function readRecord(
  item: Record<string, unknown> | undefined,
  table: RecordTable,
): StoredRecord | undefined {
  if (item === undefined) return undefined
  const status = item[ATTR.status]
  const fingerprint = item[ATTR.fingerprint]
  const owner = item[ATTR.owner]
  if ((status !== 'IN_PROGRESS' && status !== 'COMPLETED') || typeof fingerprint !== 'string')
    return undefined
  const response = item[ATTR.response]
  return {
    recordKey: String(item[table.partitionKey]),
    status,
    fingerprint,
    owner: typeof owner === 'string' ? owner : '',
    lockedAt: asNumber(item[ATTR.lockedAt]) ?? 0,
    leaseExpiresAt: asNumber(item[ATTR.leaseExpiresAt]),
    expiresAt: asNumber(item[table.ttlAttribute]) ?? 0,
    requestId: typeof item[ATTR.requestId] === 'string' ? (item[ATTR.requestId] as string) : undefined,
    completedAt: asNumber(item[ATTR.completedAt]),
    response: typeof response === 'string' || response instanceof Uint8Array ? response : undefined,
    responseEncoding:
      typeof item[ATTR.responseEncoding] === 'string' ? (item[ATTR.responseEncoding] as string) : undefined,
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
  if (table.sortKey !== undefined) itemKey[table.sortKey] = { S: SORT_KEY_VALUE }
  return itemKey
}
