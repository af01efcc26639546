// auditTrail(): context.audit.record(...) queues entries during the request; `after` chains them onto a
// leased shard and adds them to the request's unit of work, so the business writes and their audit
// commit in one transaction; `onError` writes failure entries directly, since that unit of work is
// discarded.
import {
  type CapacityMode,
  type CapacityTotals,
  type Db,
  estimateCost,
  isDynamormError,
  MAX_TRANSACTION_ITEMS,
  type PriceTable,
  type TransactionCancelledError,
} from '@dynamorm/core'
import type { MiddlewareObj } from '@middy/core'
import type { Context } from 'aws-lambda'
import { type AuditOutcome, type AuditRecordInput, type QueuedRecord, queueRecord } from './audit-entry.ts'
import { auditError } from './audit-error.ts'
import { chainWrites } from './chain-writes.ts'
import { checkPathLists, redactionRule } from './redaction.ts'
import { actorOf, routeOf, sourceIpOf } from './request-facts.ts'
import { logRequest, logShardOutOfUse, type RequestSummary } from './request-log.ts'
import { shardLeases } from './shard-lease.ts'
import { HEAD_SORT_KEY } from './table-layout.ts'

export interface AuditTrailOptions {
  /** Logical name of the audit table, resolved through the partner's (or the request's) Db. Default 'audit'. */
  table?: string
  /** Chain shards per partner: at most this many containers can write a partner's audit at once. Default 64. */
  shards?: number
  /** How long a container keeps a shard after its last write, in ms. Default 300000 (5 minutes). */
  leaseMs?: number
  /** Paths redacted in every entry: 'card.number', 'bank.*.iban' ('*' = any one key or index). */
  redact?: string[]
  /** Attribute names redacted wherever they appear, in any letter case: ['cvv', 'pan']. */
  sensitiveAttributes?: string[]
  /** Makes entry hashes HMAC-SHA-256 under this key; the verifier then needs it too. Default: plain SHA-256. */
  chainKey?: string | Uint8Array
  /** Prices for the cost estimate. Default: core's defaultPriceTable. */
  priceTable?: PriceTable
  /** Region priced. Default: the partner's region, else AWS_REGION, else 'us-east-1'. */
  region?: string
  /** Capacity mode of the tables priced. Default 'onDemand'. */
  capacityMode?: CapacityMode
  /** Capacity mode per physical table name, overriding `capacityMode`. */
  tableModes?: Record<string, CapacityMode>
  /** `service` of the log line. Default POWERTOOLS_SERVICE_NAME, else 'service_undefined'. */
  service?: string
  /** CloudWatch namespace of the EMF metrics. Default POWERTOOLS_METRICS_NAMESPACE, else 'DynamORM'. */
  metricsNamespace?: string
  /** Receives the log line and the EMF line, one JSON string each. Default console.log. */
  logger?: (line: string) => void
  /** Who acted. Default: JWT `sub`, Lambda authorizer `principalId`/`sub`, Cognito `sub`, else 'anonymous'. */
  actor?: (event: unknown, context: Context) => string | undefined
  /** Partner id for requests that failed before a partner was resolved. Default 'unresolved'. */
  unresolvedPartner?: string
}

/** What the middleware adds to the Lambda context. */
export interface AuditRecorder {
  /** Queues one entry; written at the end of the request, with the request's outcome. */
  record(input: AuditRecordInput): void
  /** Entries queued so far. */
  readonly size: number
}

export interface AuditTrailContext {
  audit: AuditRecorder
}

export const defaults = {
  table: 'audit',
  shards: 64,
  leaseMs: 300_000,
  redact: [] as string[],
  sensitiveAttributes: [] as string[],
  capacityMode: 'onDemand' as CapacityMode,
  metricsNamespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'DynamORM',
  service: process.env.POWERTOOLS_SERVICE_NAME ?? 'service_undefined',
  unresolvedPartner: 'unresolved',
  logger: (line: string): void => console.log(line),
}

/** What this middleware needs from dynamoClient() and partnerContext(), structurally. */
interface RequestDbs {
  db?: Db
  partner?: { id: string; db: Db; region?: string }
}

type AuditRequest = { event: unknown; context: Context & AuditTrailContext & RequestDbs; error?: unknown }

// A request that failed before dynamoClient() ran used no capacity.
const NO_CAPACITY: CapacityTotals = { calls: 0, readCapacityUnits: 0, writeCapacityUnits: 0, tables: {} }

function checkOptions(options: AuditTrailOptions): void {
  const bad = (message: string): never => {
    throw auditError('AuditOptionsInvalidError', `auditTrail(): ${message}`)
  }
  if (options.table !== undefined && (typeof options.table !== 'string' || options.table === ''))
    bad('table must be a non-empty logical table name')
  for (const [name, value, max] of [
    ['shards', options.shards, 10_000],
    ['leaseMs', options.leaseMs, 86_400_000],
  ] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1 || value > max))
      bad(`${name} must be an integer from 1 to ${max}`)
  }
  checkPathLists({ redact: options.redact, sensitiveAttributes: options.sensitiveAttributes }, bad)
  const { region, priceTable } = options
  if (region !== undefined && priceTable !== undefined && priceTable[region] === undefined)
    bad(`no prices for region ${region} in priceTable`)
}

export function auditTrail(
  opts: AuditTrailOptions = {},
): MiddlewareObj<unknown, unknown, Error, Context & AuditTrailContext> {
  checkOptions(opts)
  const options = { ...defaults, ...opts }
  const rule = redactionRule(options.redact, options.sensitiveAttributes)
  // Per container: the shard leases and their cached chain heads.
  const leases = shardLeases(options.shards, options.leaseMs)
  // The records each request in flight queued.
  const requests = new WeakMap<object, QueuedRecord[]>()

  const partnerOf = (context: AuditRequest['context']): string =>
    context.partner?.id ?? options.unresolvedPartner

  /** Who acted and from where: the same for every entry of a request, and for its log line. */
  const factsOf = ({ event, context }: AuditRequest) => ({
    partner: partnerOf(context),
    actor: options.actor?.(event, context) ?? actorOf(event),
    requestId: context.awsRequestId,
    sourceIp: sourceIpOf(event),
  })

  const costOf = ({ context }: AuditRequest, totals: CapacityTotals): number | null => {
    try {
      return estimateCost(totals, {
        region: options.region ?? context.partner?.region ?? process.env.AWS_REGION ?? 'us-east-1',
        mode: options.capacityMode,
        tableModes: options.tableModes,
        prices: options.priceTable,
      }).total
    } catch {
      return null // a region without prices: report capacity, leave cost out, never fail the request
    }
  }

  const log = (request: AuditRequest, summary: Omit<RequestSummary, 'partner' | 'actor'>) => {
    const { partner, actor } = factsOf(request)
    logRequest({ partner, actor, ...summary }, request.context, options)
  }

  /** Chains the records onto a shard leased for the request and queues the writes in its unit of work. */
  const queueEntries = async (
    request: AuditRequest,
    db: Db,
    records: QueuedRecord[],
    outcome: AuditOutcome,
  ) => {
    // Taken before the lease claim, which is the audit's own cost, not the request's.
    const totals = db.meter.totals()
    const cost = costOf(request, totals)
    const facts = factsOf(request)
    const tableName = db.tableName(options.table)
    const lease = await leases.acquire(db, tableName, facts.partner)
    // Optimistic: the head advances in memory now, and is kept once the commit settles as committed,
    // else read again (a failed, dropped or discarded commit, whose outcome may be unknown).
    db.unitOfWork.onSettled(({ committed, error }) => {
      leases.settle(lease, committed)
      if (headBehindEntries(error)) {
        leases.retire(lease)
        logShardOutOfUse(
          { partner: facts.partner, shard: lease.shard, table: tableName },
          request.context,
          options,
        )
      }
    })
    const timestamp = new Date().toISOString()
    const { writes, head } = chainWrites({
      tableName,
      partnerId: facts.partner,
      lease,
      owner: leases.owner,
      chainKey: options.chainKey,
      entries: records.map((record) => ({
        v: 1,
        ...facts,
        timestamp,
        ...record,
        outcome,
        capacity: {
          calls: totals.calls,
          readCapacityUnits: totals.readCapacityUnits,
          writeCapacityUnits: totals.writeCapacityUnits,
        },
        cost: cost === null ? null : { currency: 'USD', total: cost },
      })),
    })
    lease.head = head
    for (const write of writes) db.unitOfWork.add(write, { label: 'audit' })
  }

  const auditTrailBefore = (request: AuditRequest): void => {
    // Entries and log lines carry the request's capacity and cost: a meter that measures none would
    // make every entry say 0.
    if (request.context.db?.options.consumedCapacity === 'NONE') {
      throw auditError(
        'AuditOptionsInvalidError',
        "auditTrail() records capacity and cost: dynamoClient({ consumedCapacity: 'NONE' }) measures none",
      )
    }
    const records: QueuedRecord[] = []
    requests.set(request, records)
    request.context.audit = {
      record: (input) => {
        records.push(queueRecord(input, rule, partnerOf(request.context)))
      },
      get size() {
        return records.length
      },
    }
  }

  const auditTrailAfter = async (request: AuditRequest): Promise<void> => {
    const records = requests.get(request)! // Middy runs after only for a request whose before ran
    const db = request.context.partner?.db ?? request.context.db
    if (db === undefined) {
      throw auditError('AuditOptionsInvalidError', 'auditTrail() needs dynamoClient() (context.db) before it')
    }
    if (records.length > 0) await queueEntries(request, db, records, 'success')
    db.unitOfWork.onSettled(({ committed }) => {
      // A failed or dropped commit is logged by onError, with the failure entry it writes. A success is
      // logged after the commit, so the line and the metrics count it (the entry itself cannot: it is
      // written by that commit).
      if (committed) {
        const capacity = db.meter.totals()
        const costUsd = costOf(request, capacity)
        log(request, { outcome: 'success', entries: records.length, capacity, costUsd })
      }
    })
  }

  const auditTrailOnError = async (request: AuditRequest): Promise<void> => {
    // A request that failed before this middleware's before (unknown partner, request in flight) is
    // still audited: as a route entry, under the unresolved partner if need be.
    const recorded = requests.get(request) ?? []
    if (isChainConflict(request.error)) {
      request.error = auditError(
        'AuditChainConflictError',
        'The audit chain head moved while the request committed; nothing was written. Retry the request.',
        { cause: request.error },
      )
    }
    const outcome = { failure: nameOf(request.error) }
    // One failure entry per record, when they fit one transaction beside the head advance. A request
    // that recorded nothing, or more than that, leaves one entry: the route it called and how it failed.
    const records =
      recorded.length > 0 && recorded.length < MAX_TRANSACTION_ITEMS
        ? recorded
        : [
            {
              action: routeOf(request.event).slice(0, 256),
              entity: 'request',
              key: { requestId: request.context.awsRequestId },
              changes: {},
            },
          ]
    const db = request.context.partner?.db ?? request.context.db
    let auditWriteError: string | undefined = 'NoDynamoClient'
    // A shard found with its head behind its entries is out of use from then on: one more try elsewhere.
    for (let attempt = 1; db !== undefined; attempt++) {
      try {
        // What the request queued never lands (dynamoClient() would drop it next), and a head advance of
        // ours in it is settled as not committed: the head is read again. The entries go alone.
        db.unitOfWork.discard()
        await queueEntries(request, db, records, outcome)
        await db.unitOfWork.commit()
        auditWriteError = undefined
      } catch (error) {
        if (attempt === 1 && headBehindEntries(error)) continue
        // Never mask the request's own error with the audit's; the log line carries it instead.
        auditWriteError = nameOf(error)
      }
      break
    }
    const entries = auditWriteError === undefined ? records.length : 0
    // The line prices what it reports: everything the request used, the failure entry's write included
    // (the entry itself is priced before that write, which it cannot count).
    const capacity = db?.meter.totals() ?? NO_CAPACITY
    log(request, { outcome, entries, capacity, costUsd: costOf(request, capacity), auditWriteError })
  }

  return {
    name: 'auditTrail',
    before: auditTrailBefore as never,
    after: auditTrailAfter as never,
    onError: auditTrailOnError as never,
  }
}

/** The error's name only: messages can carry values (a card number in a validation message). */
function nameOf(error: unknown): string {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined
  return typeof name === 'string' && /^[A-Za-z0-9_.:-]{1,128}$/.test(name) ? name : 'Error'
}

/**
 * An entry slot of ours was already taken while our head condition held: the shard's head is behind its
 * entries (set back by tampering or a partial restore), so every write to that shard would fail.
 */
function headBehindEntries(error: unknown): boolean {
  if (!isDynamormError(error, 'TransactionCancelledError')) return false
  const ours = (error as TransactionCancelledError).reasons.filter((reason) => reason.label === 'audit')
  const isHead = (reason: (typeof ours)[number]) => reason.key?.sk === HEAD_SORT_KEY
  return (
    ours.some((reason) => !isHead(reason) && reason.code === 'ConditionalCheckFailed') &&
    ours.some((reason) => isHead(reason) && reason.code === 'None')
  )
}

/** The commit was cancelled only because an audit head condition failed: a lost lease, retryable. */
function isChainConflict(error: unknown): boolean {
  if (!isDynamormError(error, 'TransactionCancelledError')) return false
  const failed = (error as TransactionCancelledError).reasons.filter((reason) => reason.code !== 'None')
  return (
    failed.length > 0 &&
    failed.every((reason) => reason.label === 'audit' && reason.code === 'ConditionalCheckFailed')
  )
}
