// Chain shards are leased, not shared. A Lambda container runs one request at a time, so when it owns
// a shard outright it is the shard's only writer: it can keep the head in memory (no read per request)
// and its conditional head advance only fails if the lease was lost. Concurrent requests inside one
// process (servers, tests) each take a different lease from the pool.
import { randomInt, randomUUID } from 'node:crypto'
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb'
import { type Db, isDynamormError, marshallItem, sleep } from '@dynamorm/core'
import { auditError } from './audit-error.ts'
import { genesisHash } from './chain-hash.ts'
import { HEAD_ATTRIBUTE_NAMES, HEAD_SORT_KEY, shardPartitionKey } from './table-layout.ts'

export interface ChainHead {
  seq: number
  hash: string
}

export interface ShardLease {
  readonly shard: number
  /** The head once this container's last write committed (or, while busy, once it commits). */
  head: ChainHead
  /** Epoch ms the lease runs until once the current request's head advance commits. */
  leaseUntil: number
  /** A request of this process is using the lease, until its writes settle. */
  busy: boolean
  /** The head in memory may be wrong (a commit failed or its outcome is unknown): re-claim to read it. */
  stale: boolean
  /** Its head is behind its entries (set back): this container never writes to the shard again. */
  outOfUse: boolean
}

// Partners whose leases a container keeps.
const MAX_PARTNERS = 1_000
// How long a request waits for a shard held by another request of this process, and how often it looks.
const WAIT_MS = 2_000
const WAIT_POLL_MS = 5

/** The leases of one container (one auditTrail()), per audit table and partner. */
export function shardLeases(shards: number, leaseMs: number) {
  /** This container's owner token: written on the heads it leases. */
  const owner = randomUUID()
  // Renew this long before expiry, so clock skew between containers cannot let two own a shard.
  const renewMarginMs = Math.min(60_000, Math.floor(leaseMs / 5))
  const pools = new Map<string, Map<number, ShardLease>>()

  /**
   * Takes (or renews) the lease with one conditional UpdateItem that also returns the current head:
   * free when the head does not exist yet, its lease ran out, or it is already ours.
   */
  const claim = async (db: Db, tableName: string, partnerId: string, lease: ShardLease, now: number) => {
    try {
      const { Attributes: head } = await db.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: marshallItem({ pk: shardPartitionKey(partnerId, lease.shard), sk: HEAD_SORT_KEY }),
          UpdateExpression:
            'SET #owner = :owner, #leaseUntil = :leaseUntil, #seq = if_not_exists(#seq, :zero), #hash = if_not_exists(#hash, :genesis)',
          ConditionExpression: 'attribute_not_exists(pk) OR #leaseUntil < :now OR #owner = :owner',
          ExpressionAttributeNames: HEAD_ATTRIBUTE_NAMES,
          ExpressionAttributeValues: marshallItem({
            ':owner': owner,
            ':leaseUntil': lease.leaseUntil,
            ':now': now,
            ':zero': 0,
            ':genesis': genesisHash(partnerId, lease.shard),
          }),
          ReturnValues: 'ALL_NEW',
        }),
      )
      // ALL_NEW after the if_not_exists above: seq and hash are always there.
      lease.head = { seq: Number(head!.seq!.N), hash: head!.hash!.S! }
      lease.stale = false
    } catch (error) {
      if (!isDynamormError(error, 'ConditionFailedError')) throw error
    }
  }

  return {
    owner,

    /**
     * A lease on one of the partner's shards that no other in-flight request of this process holds,
     * busy until `settle`. When every shard is taken but some by this process, waits for one of those.
     */
    async acquire(db: Db, tableName: string, partnerId: string): Promise<ShardLease> {
      const key = `${tableName}\n${partnerId}`
      let pool = pools.get(key)
      if (pool === undefined) {
        // Bounded: a container serving many partners forgets the least recently added first.
        if (pools.size >= MAX_PARTNERS) pools.delete(pools.keys().next().value!)
        pools.set(key, (pool = new Map()))
      }
      const deadline = Date.now() + WAIT_MS
      for (;;) {
        const now = Date.now()
        const leaseUntil = now + leaseMs
        const idle = [...pool.values()].filter((lease) => !lease.busy && !lease.outOfUse)
        const ready = idle.find((lease) => !lease.stale && lease.leaseUntil - renewMarginMs > now)
        if (ready !== undefined) {
          ready.busy = true
          ready.leaseUntil = leaseUntil // renewed by the request's head advance
          return ready
        }
        // Our own expiring leases first (the claim renews them), then the others from a random one on,
        // so containers starting together spread out instead of all trying shard 0.
        for (const lease of idle) pool.delete(lease.shard)
        const start = randomInt(shards)
        const order = Array.from({ length: shards }, (_, i) => (start + i) % shards)
        for (const shard of new Set([...idle.map((lease) => lease.shard), ...order])) {
          if (pool.has(shard)) continue // held by another request of this process
          // In the pool before the claim is sent, so a concurrent request of this process skips the shard.
          const lease: ShardLease = {
            shard,
            head: { seq: 0, hash: '' },
            leaseUntil,
            busy: true,
            stale: true,
            outOfUse: false,
          }
          pool.set(shard, lease)
          try {
            await claim(db, tableName, partnerId, lease, now)
          } finally {
            if (lease.stale) pool.delete(shard)
          }
          if (!lease.stale) return lease
        }
        // Only a lease in use by this process can come free: shards out of use never do.
        const leases = [...pool.values()]
        if (!leases.some((lease) => lease.busy) || Date.now() >= deadline) {
          const outOfUse = leases.filter((lease) => lease.outOfUse).length
          throw auditError(
            'AuditShardsExhaustedError',
            `Every audit chain shard (${shards}) of the partner is leased by a live writer or out of use (${outOfUse})`,
            { details: { shards, outOfUse } },
          )
        }
        await sleep(WAIT_POLL_MS)
      }
    },

    /** The request's writes committed, or failed or may have: then the head is read again before next use. */
    settle(lease: ShardLease, committed: boolean): void {
      lease.busy = false
      if (!committed) lease.stale = true
    },

    /**
     * Stops using the shard in this container: its head is behind its entries, so every write to it
     * would fail. Kept in the pool (never claimed again) and left as it is, for the verifier to report.
     */
    retire(lease: ShardLease): void {
      lease.outOfUse = true
    },
  }
}
