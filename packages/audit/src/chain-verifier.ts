// verifyAuditChain(): re-reads every shard of a partner's chain in slot order and checks that each
// entry hashes to its stored hash, links to its predecessor, sits in the slot it claims, and that the
// head agrees with the last entry, and that its index attributes are the ones its content gives (the
// readers and shard discovery trust them). Each problem is reported where it is, not just "chain broken".
import { type AttributeValue, QueryCommand } from '@aws-sdk/client-dynamodb'
import type { Db } from '@dynamorm/core'
import type { AuditEntryContent } from './audit-entry.ts'
import { auditError } from './audit-error.ts'
import { trailShards } from './audit-readers.ts'
import { chainHash, genesisHash } from './chain-hash.ts'
import {
  type EntryIndexAttributes,
  entryIndexAttributes,
  HEAD_SORT_KEY,
  seqOfSortKey,
  shardPartitionKey,
} from './table-layout.ts'

export type ChainProblemKind = 'modified' | 'deleted' | 'reordered' | 'inserted' | 'unindexed'

export interface ChainProblem {
  kind: ChainProblemKind
  shard: number
  /** The slot (sort-key seq) where the problem is; for 'deleted', the first missing seq; 0 = the head. */
  position: number
  /** The seq the entry claims in its content (for 'deleted', the missing seq). */
  seq: number
  /** For 'deleted': how many consecutive entries are missing. */
  count?: number
  /** For 'unindexed': the index attribute missing or not derived from the entry's content. */
  attribute?: keyof EntryIndexAttributes
  detail: string
}

export interface ChainVerification {
  valid: boolean
  /** Entries read, over all shards. */
  entries: number
  /** Shards that hold a head or entries. */
  shards: number
  problems: ChainProblem[]
}

export interface VerifyAuditChainOptions {
  db: Db
  /** Logical audit table name (default 'audit'). */
  table?: string
  partnerId: string
  /**
   * Shards always read: 0 to `shards` - 1 (default 64), so a shard whose entries are all gone but whose
   * head is left is found. Every other shard holding an entry is found through the byPartnerTime index.
   */
  shards?: number
  /** The chainKey auditTrail() was configured with, if any. */
  chainKey?: string | Uint8Array
  /** Shards read at once (default 8). */
  concurrency?: number
}

/** An item of a shard partition as stored. */
export interface StoredChainItem extends Partial<EntryIndexAttributes> {
  sortKey: string
  content: string | undefined
  hash: string | undefined
}

export interface StoredChainHead {
  seq: number
  hash: string
}

export async function verifyAuditChain(options: VerifyAuditChainOptions): Promise<ChainVerification> {
  const { db, partnerId } = options
  const shards = options.shards ?? 64
  const concurrency = options.concurrency ?? 8
  if (typeof partnerId !== 'string' || partnerId.length === 0)
    throw auditError('AuditOptionsInvalidError', 'verifyAuditChain(): partnerId must be a non-empty string')
  if (!Number.isSafeInteger(shards) || shards < 1 || shards > 10_000)
    throw auditError(
      'AuditOptionsInvalidError',
      'verifyAuditChain(): shards must be an integer from 1 to 10000',
    )
  if (!Number.isSafeInteger(concurrency) || concurrency < 1)
    throw auditError('AuditOptionsInvalidError', 'verifyAuditChain(): concurrency must be a positive integer')
  const tableName = db.tableName(options.table ?? 'audit')
  const result: ChainVerification = { valid: true, entries: 0, shards: 0, problems: [] }
  const toRead = await trailShards(db, tableName, partnerId, shards)
  let next = 0
  const worker = async () => {
    while (next < toRead.length) {
      const shard = toRead[next++]!
      const { items, head } = await readShard(db, tableName, partnerId, shard)
      if (items.length === 0 && head === undefined) continue
      result.shards += 1
      result.entries += items.filter((item) => item.sortKey !== HEAD_SORT_KEY).length
      result.problems.push(...verifyShard(partnerId, shard, items, head, options.chainKey))
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, toRead.length) }, worker))
  result.problems.sort((a, b) => a.shard - b.shard || a.position - b.position)
  result.valid = result.problems.length === 0
  return result
}

async function readShard(db: Db, tableName: string, partnerId: string, shard: number) {
  const items: StoredChainItem[] = []
  let head: StoredChainHead | undefined
  let startKey: Record<string, AttributeValue> | undefined
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: shardPartitionKey(partnerId, shard) } },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    )
    for (const item of page.Items ?? []) {
      const sortKey = item.sk?.S ?? ''
      if (sortKey === HEAD_SORT_KEY)
        head = { seq: Number(item.seq?.N ?? Number.NaN), hash: item.hash?.S ?? '' }
      else
        items.push({
          sortKey,
          content: item.content?.S,
          hash: item.hash?.S,
          entityRef: item.entityRef?.S,
          partnerRef: item.partnerRef?.S,
          recordedAt: item.recordedAt?.S,
        })
    }
    startKey = page.LastEvaluatedKey
  } while (startKey !== undefined)
  return { items, head }
}

interface CheckedEntry {
  item: StoredChainItem
  content: AuditEntryContent | undefined
  slot: number
  claimed: number
  prevHash: string | undefined
  stored: string | undefined
  recomputed: string
  selfOk: boolean
}

/** Checks one shard's items (in any order) against each other and the head. Pure. */
export function verifyShard(
  partnerId: string,
  shard: number,
  items: readonly StoredChainItem[],
  head: StoredChainHead | undefined,
  chainKey?: string | Uint8Array,
): ChainProblem[] {
  const problems: ChainProblem[] = []
  const problem = (kind: ChainProblemKind, position: number, seq: number, detail: string) =>
    problems.push({ kind, shard, position, seq, detail })
  const byClaim = new Map<number, CheckedEntry[]>()
  for (const item of items) {
    const slot = seqOfSortKey(item.sortKey)
    if (slot === undefined) {
      problem(
        'inserted',
        0,
        0,
        `item with a sort key that is not an entry slot: ${JSON.stringify(item.sortKey.slice(0, 40))}`,
      )
      continue
    }
    const content = parseContent(item.content)
    const recomputed = chainHash(item.content ?? '', chainKey)
    const selfOk = content !== undefined && recomputed === item.hash
    if (selfOk && (content.partner !== partnerId || content.chain.shard !== shard)) {
      problem('inserted', slot, content.chain.seq, 'entry of another partner or shard copied into this chain')
      continue
    }
    // Chains start at seq 1: an entry claiming less would never be reached by the walk below.
    if (selfOk && content.chain.seq < 1) {
      problem('inserted', slot, content.chain.seq, 'entry claims a seq before the chain starts')
      continue
    }
    // A content that fails its hash cannot be trusted about its own seq: it is judged in its slot.
    const claimed = selfOk ? content.chain.seq : slot
    const entry: CheckedEntry = {
      item,
      content,
      slot,
      claimed,
      prevHash: content?.chain.prevHash,
      stored: item.hash,
      recomputed,
      selfOk,
    }
    byClaim.set(claimed, [...(byClaim.get(claimed) ?? []), entry])
  }
  const headSeq = head !== undefined && Number.isSafeInteger(head.seq) && head.seq >= 0 ? head.seq : 0
  let lastSeq = headSeq
  for (const seq of byClaim.keys()) lastSeq = Math.max(lastSeq, seq)
  const chain: CheckedEntry[] = []
  const modified = new Set<CheckedEntry>()
  let linkTo: Set<string | undefined> | null = new Set([genesisHash(partnerId, shard)])
  let previous: CheckedEntry | undefined
  const claimedSeqs = [...byClaim.keys()].sort((a, b) => a - b)
  let nextClaimed = 0
  for (let seq = 1; seq <= lastSeq; seq++) {
    const candidates = byClaim.get(seq) ?? []
    if (candidates.length === 0) {
      // A gap is one problem, crossed in one step: a forged slot far past the head costs nothing.
      while ((claimedSeqs[nextClaimed] ?? lastSeq + 1) < seq) nextClaimed++
      const count = (claimedSeqs[nextClaimed] ?? lastSeq + 1) - seq
      problems.push({
        kind: 'deleted',
        shard,
        position: seq,
        seq,
        count,
        detail: 'entry missing from the chain',
      })
      linkTo = null // the link across a gap cannot be checked
      previous = undefined
      seq += count - 1
      continue
    }
    const genuine = pickGenuine(candidates, byClaim.get(seq + 1) ?? [], linkTo, seq)
    for (const other of candidates) {
      if (other !== genuine)
        problem(
          'inserted',
          other.slot,
          seq,
          'a second entry claims this seq and the chain does not link through it',
        )
    }
    if (!genuine.selfOk) {
      problem('modified', genuine.slot, seq, 'content does not match its hash')
      modified.add(genuine)
    } else if (
      linkTo !== null &&
      !linkTo.has(genuine.prevHash) &&
      previous !== undefined &&
      !modified.has(previous)
    ) {
      // The predecessor hashes correctly but is not the entry this one was chained to: it was rewritten.
      problem('modified', previous.slot, seq - 1, 'rewritten: the next entry does not link to it')
      modified.add(previous)
    }
    chain.push(genuine)
    linkTo = new Set([genuine.stored, genuine.recomputed])
    previous = genuine
  }
  const inOrder = increasingSubsequence(chain.map((entry) => entry.slot))
  chain.forEach((entry, index) => {
    if (!inOrder.has(index))
      problem('reordered', entry.slot, entry.claimed, `entry ${entry.claimed} stored out of order`)
  })
  if (head === undefined) {
    if (chain.length > 0) problem('deleted', 0, 0, 'chain head missing')
  } else {
    for (const entry of chain) {
      if (entry.claimed > headSeq)
        problem('inserted', entry.slot, entry.claimed, 'entry beyond the chain head')
    }
    const last = chain.find((entry) => entry.claimed === headSeq)
    if (
      last !== undefined &&
      !modified.has(last) &&
      head.hash !== last.stored &&
      head.hash !== last.recomputed
    )
      problem('modified', last.slot, headSeq, 'chain head does not match the last entry: it was rewritten')
  }
  // Only entries found sound so far: a forged or moved one is reported already, whatever its index says.
  const reported = new Set(problems.filter((p) => p.kind !== 'deleted').map((p) => p.position))
  for (const entry of chain) {
    if (!entry.selfOk || reported.has(entry.slot)) continue
    const expected = derivedIndex(partnerId, entry.content!)
    for (const attribute of ['entityRef', 'partnerRef', 'recordedAt'] as const) {
      if (expected !== undefined && expected[attribute] === entry.item[attribute]) continue
      // The attribute's name only: the stored value can be anything a writer put there.
      problems.push({
        kind: 'unindexed',
        shard,
        position: entry.slot,
        seq: entry.claimed,
        attribute,
        detail: `${attribute} missing or not the one the entry's content gives: ${HIDDEN_FROM[attribute]}`,
      })
    }
  }
  return problems
}

const HIDDEN_FROM: Record<keyof EntryIndexAttributes, string> = {
  entityRef: 'entityHistory() does not find the entry',
  partnerRef: 'entriesBetween() and shard discovery do not find the entry',
  recordedAt: 'entityHistory() and entriesBetween() miss or misplace the entry',
}

// A content with a valid hash may still be forged (no chainKey): fields of the wrong type, or an entity
// with a lone surrogate that cannot be URI-encoded, mean no index can be derived, so none matches.
function derivedIndex(partnerId: string, content: AuditEntryContent): EntryIndexAttributes | undefined {
  try {
    return entryIndexAttributes(partnerId, content)
  } catch {
    return undefined
  }
}

function parseContent(text: string | undefined): AuditEntryContent | undefined {
  if (text === undefined) return undefined
  try {
    const content = JSON.parse(text) as AuditEntryContent
    const chain = content?.chain
    if (typeof chain !== 'object' || chain === null) return undefined
    if (
      !Number.isSafeInteger(chain.seq) ||
      !Number.isSafeInteger(chain.shard) ||
      typeof chain.prevHash !== 'string'
    )
      return undefined
    return content
  } catch {
    return undefined
  }
}

// Of several entries claiming one seq, the genuine one is what the next entry links to, else what
// links to the previous one, else the one that hashes correctly and sits in its own slot.
function pickGenuine(
  candidates: CheckedEntry[],
  successors: CheckedEntry[],
  linkTo: Set<string | undefined> | null,
  seq: number,
): CheckedEntry {
  if (candidates.length === 1) return candidates[0]!
  const score = (entry: CheckedEntry) =>
    (successors.some(
      (next) =>
        next.prevHash !== undefined && (next.prevHash === entry.stored || next.prevHash === entry.recomputed),
    )
      ? 8
      : 0) +
    (linkTo?.has(entry.prevHash) ? 4 : 0) +
    (entry.selfOk ? 2 : 0) +
    (entry.slot === seq ? 1 : 0)
  return candidates.reduce((best, entry) => (score(entry) > score(best) ? entry : best))
}

/** Indexes of one longest strictly increasing subsequence: the entries that are in order. */
function increasingSubsequence(values: number[]): Set<number> {
  const tails: number[] = []
  const parent = new Array<number>(values.length).fill(-1)
  for (let i = 0; i < values.length; i++) {
    let low = 0
    let high = tails.length
    while (low < high) {
      const middle = (low + high) >> 1
      if (values[tails[middle]!]! < values[i]!) low = middle + 1
      else high = middle
    }
    if (low > 0) parent[i] = tails[low - 1]!
    tails[low] = i
  }
  const kept = new Set<number>()
  for (let i = tails.at(-1) ?? -1; i >= 0; i = parent[i]!) kept.add(i)
  return kept
}
