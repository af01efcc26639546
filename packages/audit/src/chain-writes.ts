// Turns a request's entries into TransactWriteItems: one conditional Put per entry and the advance of
// the shard's chain head, conditioned on this container still owning the shard at the seq it expects.
// Built without sending, so the same writes go into the unit of work or into a direct transaction.
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb'
import { canonicalJson, type JsonValue, marshallItem } from '@dynamorm/core'
import type { AuditEntryContent } from './audit-entry.ts'
import { chainHash } from './chain-hash.ts'
import type { ChainHead, ShardLease } from './shard-lease.ts'
import {
  entryIndexAttributes,
  entrySortKey,
  HEAD_ATTRIBUTE_NAMES,
  HEAD_SORT_KEY,
  shardPartitionKey,
} from './table-layout.ts'

export interface ChainWriteInput {
  tableName: string
  partnerId: string
  /** The shard, its head as this container believes it is (the update is conditioned on it), the lease time. */
  lease: Pick<ShardLease, 'shard' | 'head' | 'leaseUntil'>
  /** The owner token of the lease on the shard. */
  owner: string
  chainKey?: string | Uint8Array
  /** Entry contents without their chain link, which is filled in here. */
  entries: Array<Omit<AuditEntryContent, 'chain'>>
}

export interface ChainWrites {
  writes: TransactWriteItem[]
  /** The head once the writes commit. */
  head: ChainHead
}

export function chainWrites({
  tableName,
  partnerId,
  lease,
  owner,
  chainKey,
  entries,
}: ChainWriteInput): ChainWrites {
  const { shard, head } = lease
  const pk = shardPartitionKey(partnerId, shard)
  const writes: TransactWriteItem[] = []
  let { seq, hash } = head
  for (const entry of entries) {
    seq += 1
    const content: AuditEntryContent = { ...entry, chain: { shard, seq, prevHash: hash } }
    const text = canonicalJson(content as unknown as JsonValue)
    hash = chainHash(text, chainKey)
    writes.push({
      Put: {
        TableName: tableName,
        Item: marshallItem({
          pk,
          sk: entrySortKey(seq),
          ...entryIndexAttributes(partnerId, content),
          content: text,
          hash,
        }),
        // An entry slot is written once; with the head condition this makes a lost race fail loudly.
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    })
  }
  writes.push({
    Update: {
      TableName: tableName,
      Key: marshallItem({ pk, sk: HEAD_SORT_KEY }),
      UpdateExpression: 'SET #seq = :seq, #hash = :hash, #leaseUntil = :leaseUntil',
      ConditionExpression: '#owner = :owner AND #seq = :expectedSeq AND #hash = :expectedHash',
      ExpressionAttributeNames: HEAD_ATTRIBUTE_NAMES,
      ExpressionAttributeValues: marshallItem({
        ':seq': seq,
        ':hash': hash,
        ':owner': owner,
        ':leaseUntil': lease.leaseUntil,
        ':expectedSeq': head.seq,
        ':expectedHash': head.hash,
      }),
    },
  })
  return { writes, head: { seq, hash } }
}
