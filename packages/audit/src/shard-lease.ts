// Chain shards are leased, not shared. A Lambda container runs one request at a time, so when it owns
// a shard outright it is the shard's only writer: it can keep the head in memory (no read per request)
// and its conditional head advance only fails if the lease was lost. Concurrent requests inside one
// process (servers, tests) each take a different lease from the pool.
import { randomInt, randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb'
import { type Db, isDynamormError } from '@dynamorm/core'
import { auditError } from './audit-error.ts'
import { genesisHash } from './chain-hash.ts'
import type { ChainHead } from './chain-writes.ts'
import { HEAD_SORT_KEY, shardPartitionKey } from './table-layout.ts'

export interface ShardLease {
  readonly shard: number
  /** The head once this container's last write committed (or, while pending, once it commits). */
  head: ChainHead
  /** Epoch ms the lease runs until, as last written. */
  leaseUntil: number
  /** Set while a request uses the lease; returns true once that request's writes are settled. */
  pending: (() => boolean) | null
  /** The head in memory may be wrong (a commit failed or its outcome is unknown): re-claim to read it. */
  stale: boolean
}

export interface ChainLeaseOptions {
  shards: number
  leaseMs: number
  /** Renew this long before expiry, so clock skew between containers cannot let two own a shard. */
  renewMarginMs: number
  maxPartners: number
  /** How long a request waits for a shard held by another request of this process. */
  waitMs: number
}

const WAIT_POLL_MS = 5

const busy = () => false

export class ChainLeases {
  /** This container's owner token: written on the heads it leases. */
  readonly owner = randomUUID()
  readonly #options: ChainLeaseOptions
  readonly #pools = new Map<string, ShardLease[]>()

  constructor(options: ChainLeaseOptions) {
    this.#options = options
  }

  /** How many shards this container holds for a partner (for tests and diagnostics). */
  held(tableName: string, partnerId: string): number {
    return this.#pools.get(`${tableName}\n${partnerId}`)?.length ?? 0
  }

  /**
   * A lease on one of the partner's shards that no other in-flight request of this process holds.
   * When every shard is taken but some by this process, waits for one of those to settle.
   */
  async acquire(db: Db, tableName: string, partnerId: string, now = Date.now()): Promise<ShardLease> {
    const deadline = Date.now() + this.#options.waitMs
    for (;;) {
      const lease = await this.#tryAcquire(db, tableName, partnerId, now)
      if (lease !== undefined) return lease
      const ownBusy = this.#pool(tableName, partnerId).length > 0
      if (!ownBusy || Date.now() >= deadline) {
        throw auditError(
          'AuditShardsExhaustedError',
          `Every audit chain shard (${this.#options.shards}) of the partner is leased by a live writer`,
          { details: { shards: this.#options.shards } },
        )
      }
      await sleep(WAIT_POLL_MS)
      now = Date.now()
    }
  }

  async #tryAcquire(
    db: Db,
    tableName: string,
    partnerId: string,
    now: number,
  ): Promise<ShardLease | undefined> {
    const pool = this.#pool(tableName, partnerId)
    const renewable: ShardLease[] = []
    for (const lease of pool) {
      if (lease.pending !== null) {
        if (!lease.pending()) continue
        lease.pending = null
      }
      if (!lease.stale && lease.leaseUntil - this.#options.renewMarginMs > now) {
        lease.pending = busy
        return lease
      }
      renewable.push(lease)
    }
    const held = new Set(pool.map((lease) => lease.shard))
    const free = Array.from({ length: this.#options.shards }, (_, shard) => shard).filter(
      (shard) => !held.has(shard),
    )
    // Our own expiring leases first (the claim renews them), then the other shards in random order so
    // containers starting together spread out instead of all trying shard 0.
    for (let i = free.length - 1; i > 0; i--) {
      const j = randomInt(i + 1)
      ;[free[i], free[j]] = [free[j]!, free[i]!]
    }
    for (const lease of renewable) {
      lease.pending = busy
      if (await this.#claim(db, tableName, partnerId, lease, now)) return lease
      pool.splice(pool.indexOf(lease), 1)
    }
    for (const shard of free) {
      // In the pool before the claim is sent, so a concurrent request of this process skips the shard.
      const lease: ShardLease = {
        shard,
        head: { seq: 0, hash: '' },
        leaseUntil: 0,
        pending: busy,
        stale: true,
      }
      pool.push(lease)
      if (await this.#claim(db, tableName, partnerId, lease, now)) return lease
      pool.splice(pool.indexOf(lease), 1)
    }
    return undefined
  }

  /**
   * The request's writes are queued: the lease stays busy with the head they will make, until the
   * commit settles: `release` (committed) or `invalidate` (failed, dropped, or unknown).
   */
  hold(lease: ShardLease, head: ChainHead, leaseUntil: number): void {
    lease.head = head
    lease.leaseUntil = leaseUntil
    lease.pending = busy
  }

  /** The writes committed. */
  release(lease: ShardLease, head?: ChainHead, leaseUntil?: number): void {
    if (head !== undefined) lease.head = head
    if (leaseUntil !== undefined) lease.leaseUntil = leaseUntil
    lease.pending = null
  }

  /** The writes failed or may have: read the head again before the next use. */
  invalidate(lease: ShardLease): void {
    lease.stale = true
    lease.pending = null
  }

  leaseUntil(now = Date.now()): number {
    return now + this.#options.leaseMs
  }

  #pool(tableName: string, partnerId: string): ShardLease[] {
    const key = `${tableName}\n${partnerId}`
    let pool = this.#pools.get(key)
    if (pool === undefined) {
      // Bounded: a container serving many partners forgets the least recently added first.
      if (this.#pools.size >= this.#options.maxPartners) this.#pools.delete(this.#pools.keys().next().value!)
      pool = []
      this.#pools.set(key, pool)
    }
    return pool
  }

  /**
   * Takes (or renews) the lease with one conditional UpdateItem that also returns the current head:
   * free when the head does not exist yet, its lease ran out, or it is already ours.
   */
  async #claim(
    db: Db,
    tableName: string,
    partnerId: string,
    lease: ShardLease,
    now: number,
  ): Promise<boolean> {
    const leaseUntil = now + this.#options.leaseMs
    try {
      const { Attributes: head } = await db.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: { pk: { S: shardPartitionKey(partnerId, lease.shard) }, sk: { S: HEAD_SORT_KEY } },
          UpdateExpression:
            'SET #owner = :owner, #leaseUntil = :leaseUntil, #seq = if_not_exists(#seq, :zero), #hash = if_not_exists(#hash, :genesis)',
          ConditionExpression: 'attribute_not_exists(pk) OR #leaseUntil < :now OR #owner = :owner',
          ExpressionAttributeNames: {
            '#owner': 'owner',
            '#leaseUntil': 'leaseUntil',
            '#seq': 'seq',
            '#hash': 'hash',
          },
          ExpressionAttributeValues: {
            ':owner': { S: this.owner },
            ':leaseUntil': { N: String(leaseUntil) },
            ':now': { N: String(now) },
            ':zero': { N: '0' },
            ':genesis': { S: genesisHash(partnerId, lease.shard) },
          },
          ReturnValues: 'ALL_NEW',
        }),
      )
      lease.head = {
        seq: Number(head?.seq?.N ?? 0),
        hash: head?.hash?.S ?? genesisHash(partnerId, lease.shard),
      }
      lease.leaseUntil = leaseUntil
      lease.stale = false
      return true
    } catch (error) {
      if (isDynamormError(error, 'ConditionFailedError')) return false
      lease.pending = null
      throw error
    }
  }
}
