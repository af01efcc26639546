// Turns a request's entries into TransactWriteItems: one conditional Put per entry and the advance of
// the shard's chain head, conditioned on this container still owning the shard at the seq it expects.
// Built without sending, so the same writes go into the unit of work or into a direct transaction.
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb'
import { canonicalJson, type JsonValue } from '@dynamorm/core'
import type { AuditEntryContent } from './audit-entry.ts'
import { chainHash } from './chain-hash.ts'
import {
  entityRef,
  entrySortKey,
  HEAD_SORT_KEY,
  partnerRef,
  recordedAt,
  shardPartitionKey,
} from './table-layout.ts'

export interface ChainHead {
  seq: number
  hash: string
}

export interface ChainWriteInput {
  tableName: string
  partnerId: string
  shard: number
  /** The head as this container believes it is; the head update is conditioned on it. */
  head: ChainHead
  /** The owner token of the lease on the shard. */
  owner: string
  /** Epoch ms the lease is renewed until. */
  leaseUntil: number
  chainKey?: string | Uint8Array
  /** Entry contents without their chain link; seq and prevHash are filled in here. */
  entries: Array<Omit<AuditEntryContent, 'chain'> & { keyJson: string }>
}

export interface ChainWrites {
  writes: TransactWriteItem[]
  /** The head once the writes commit. */
  head: ChainHead
}

export function chainWrites(input: ChainWriteInput): ChainWrites {
  const { tableName, partnerId, shard } = input
  const pk = shardPartitionKey(partnerId, shard)
  const writes: TransactWriteItem[] = []
  let { seq, hash } = input.head
  for (const { keyJson, ...entry } of input.entries) {
    seq += 1
    const content: AuditEntryContent = { ...entry, chain: { shard, seq, prevHash: hash } }
    const text = canonicalJson(content as unknown as JsonValue)
    hash = chainHash(text, input.chainKey)
    writes.push({
      Put: {
        TableName: tableName,
        Item: {
          pk: { S: pk },
          sk: { S: entrySortKey(seq) },
          entityRef: { S: entityRef(partnerId, entry.entity, keyJson) },
          partnerRef: { S: partnerRef(partnerId) },
          recordedAt: { S: recordedAt(entry.timestamp, shard, seq) },
          content: { S: text },
          hash: { S: hash },
        },
        // An entry slot is written once; with the head condition this makes a lost race fail loudly.
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    })
  }
  writes.push({
    Update: {
      TableName: tableName,
      Key: { pk: { S: pk }, sk: { S: HEAD_SORT_KEY } },
      UpdateExpression: 'SET #seq = :seq, #hash = :hash, #owner = :owner, #leaseUntil = :leaseUntil',
      ConditionExpression: '#owner = :owner AND #seq = :expectedSeq AND #hash = :expectedHash',
      ExpressionAttributeNames: {
        '#seq': 'seq',
        '#hash': 'hash',
        '#owner': 'owner',
        '#leaseUntil': 'leaseUntil',
      },
      ExpressionAttributeValues: {
        ':seq': { N: String(seq) },
        ':hash': { S: hash },
        ':owner': { S: input.owner },
        ':leaseUntil': { N: String(input.leaseUntil) },
        ':expectedSeq': { N: String(input.head.seq) },
        ':expectedHash': { S: input.head.hash },
      },
    },
  })
  return { writes, head: { seq, hash } }
}
