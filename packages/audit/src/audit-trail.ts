// auditTrail(): context.audit.record(...) queues entries during the request; `after` chains them onto a
// leased shard and adds them to the request's unit of work, so the business writes and their audit
// commit in one transaction; `onError` writes failure entries directly, since that unit of work is
// discarded.
import { TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb'
import {
  type CapacityMode,
  type CapacityTotals,
  type CostEstimate,
  type Db,
  estimateCost,
  isDynamormError,
  type PriceTable,
} from '@dynamorm/core'
import type { MiddlewareObj } from '@middy/core'
import type { Context } from 'aws-lambda'
import {
  type AuditOutcome,
  type AuditRecordInput,
  entryContent,
  type QueuedRecord,
  queueRecord,
  type RequestFacts,
} from './audit-entry.ts'
import { auditError } from './audit-error.ts'
import { chainWrites } from './chain-writes.ts'
import { type RedactionRules, redactionRules } from './redaction.ts'
import { actorOf, routeOf, sourceIpOf } from './request-facts.ts'
import { metricsLine, type RequestSummary, requestLogLine } from './request-log.ts'
import { ChainLeases, type ShardLease } from './shard-lease.ts'

export interface AuditTrailOptions {
  /** Logical name of the audit table, resolved through the partner's (or the request's) Db. Default 'audit'. */
  table?: string
  /** Chain shards per partner: at most this many containers can write a partner's audit at once. Default 64. */
  shards?: number
  /** How long a container keeps a shard after its last write, in ms. Default 300000 (5 minutes). */
  leaseMs?: number
  /** Paths redacted in every entry: 'card.number', 'bank.*.iban' ('*' = any one key or index). */
  redact?: string[]
  /** Attribute names redacted wherever they appear: ['cvv', 'pan']. */
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

interface RequestAudit {
  records: QueuedRecord[]
  /** The lease whose head advance is in the unit of work, until the commit settles. */
  lease?: ShardLease
}

type AuditRequest = { event: unknown; context: Context & AuditTrailContext; error?: unknown }

function checkOptions(options: AuditTrailOptions): void {
  const bad = (message: string) => {
    throw auditError('AuditOptionsInvalidError', `auditTrail(): ${message}`)
  }
  if (options.table !== undefined && (typeof options.table !== 'string' || options.table.length === 0))
    bad('table must be a non-empty logical table name')
  for (const [name, value, max] of [
    ['shards', options.shards, 10_000],
    ['leaseMs', options.leaseMs, 86_400_000],
  ] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1 || value > max))
      bad(`${name} must be an integer from 1 to ${max}`)
  }
  for (const [name, list] of [
    ['redact', options.redact],
    ['sensitiveAttributes', options.sensitiveAttributes],
  ] as const) {
    if (
      list !== undefined &&
      (!Array.isArray(list) || !list.every((path) => typeof path === 'string' && path.length > 0))
    )
      bad(`${name} must be an array of non-empty strings`)
  }
  const prices = options.priceTable
  if (options.region !== undefined && prices !== undefined && prices[options.region] === undefined)
    bad(`no prices for region ${options.region} in priceTable`)
}

export function auditTrail(
  opts: AuditTrailOptions = {},
): MiddlewareObj<unknown, unknown, Error, Context & AuditTrailContext> {
  checkOptions(opts)
  const options = { ...defaults, ...opts }
  const rules: RedactionRules = redactionRules(options.redact, options.sensitiveAttributes)
  // Per container: the shard leases and their cached chain heads.
  const leases = new ChainLeases({
    shards: options.shards,
    leaseMs: options.leaseMs,
    renewMarginMs: Math.min(60_000, Math.floor(options.leaseMs / 5)),
    maxPartners: 1_000,
    waitMs: 2_000,
  })
  const requests = new WeakMap<object, RequestAudit>()

  const factsOf = (request: AuditRequest, partnerId: string): RequestFacts => ({
    partner: partnerId,
    actor: options.actor?.(request.event, request.context) ?? actorOf(request.event),
    requestId: request.context.awsRequestId,
    sourceIp: sourceIpOf(request.event),
  })

  const costOf = (totals: CapacityTotals, dbs: RequestDbs): CostEstimate | null => {
    try {
      return estimateCost(totals, {
        region: options.region ?? dbs.partner?.region ?? process.env.AWS_REGION ?? 'us-east-1',
        mode: options.capacityMode,
        tableModes: options.tableModes,
        prices: options.priceTable,
      })
    } catch {
      return null // a region without prices: report capacity, leave cost out, never fail the request
    }
  }

  const emit = (summary: RequestSummary, context: Context, now: Date) => {
    options.logger(requestLogLine(summary, context, options.service, now))
    options.logger(metricsLine(summary, options.metricsNamespace, now))
  }

  const chainEntries = async (
    db: Db,
    partnerId: string,
    records: QueuedRecord[],
    facts: RequestFacts,
    outcome: AuditOutcome,
    totals: CapacityTotals,
    cost: CostEstimate | null,
    now: Date,
  ) => {
    const tableName = db.tableName(options.table)
    const lease = await leases.acquire(db, tableName, partnerId, now.getTime())
    const leaseUntil = leases.leaseUntil(now.getTime())
    const timestamp = now.toISOString()
    try {
      const { writes, head } = chainWrites({
        tableName,
        partnerId,
        shard: lease.shard,
        head: lease.head,
        owner: leases.owner,
        leaseUntil,
        chainKey: options.chainKey,
        entries: records.map((record) => {
          const { chain: _, ...content } = entryContent(record, facts, outcome, totals, cost, timestamp, {
            shard: 0,
            seq: 0,
            prevHash: '',
          })
          return { ...content, keyJson: record.keyJson }
        }),
      })
      return { lease, writes, head, leaseUntil }
    } catch (error) {
      leases.invalidate(lease)
      throw error
    }
  }

  const auditTrailBefore = (request: AuditRequest): void => {
    const audit: RequestAudit = { records: [] }
    requests.set(request, audit)
    request.context.audit = {
      record: (input) => {
        audit.records.push(queueRecord(input, rules))
      },
      get size() {
        return audit.records.length
      },
    }
  }

  const auditTrailAfter = async (request: AuditRequest): Promise<void> => {
    const audit = requests.get(request)
    if (audit === undefined) return
    const dbs = request.context as unknown as RequestDbs
    const db = dbs.partner?.db ?? dbs.db
    if (db === undefined) {
      throw auditError('AuditOptionsInvalidError', 'auditTrail() needs dynamoClient() (context.db) before it')
    }
    const partnerId = dbs.partner?.id ?? options.unresolvedPartner
    const now = new Date()
    const totals = db.meter.totals()
    const cost = costOf(totals, dbs)
    if (audit.records.length > 0) {
      const chained = await chainEntries(
        db,
        partnerId,
        audit.records,
        factsOf(request, partnerId),
        'success',
        totals,
        cost,
        now,
      )
      for (const write of chained.writes) db.unitOfWork.add(write, { label: 'audit' })
      // Optimistic: the head advances once dynamoClient's commit settles as committed, else it is re-read.
      leases.hold(chained.lease, chained.head, chained.leaseUntil)
      audit.lease = chained.lease
    }
    const actor = factsOf(request, partnerId).actor
    const entries = audit.records.length
    db.unitOfWork.onSettled((outcome) => {
      const lease = audit.lease
      if (lease !== undefined) {
        if (outcome.committed) leases.release(lease)
        else leases.invalidate(lease)
      }
      // A failed or dropped commit is logged by onError, with the failure entry it writes.
      if (!outcome.committed) return
      // Emitted after the commit, so the line and the metrics count it (the entry itself cannot: it
      // is written by that commit).
      const settled = db.meter.totals()
      emit(
        {
          partner: partnerId,
          actor,
          outcome: 'success',
          entries,
          capacity: settled,
          costUsd: costOf(settled, dbs)?.total ?? null,
          pendingWrites: 0,
        },
        request.context,
        new Date(),
      )
    })
  }

  const auditTrailOnError = async (request: AuditRequest): Promise<void> => {
    // A request that failed before this middleware's before (unknown partner, request in flight) is
    // still audited: as a route entry, under the unresolved partner if need be.
    const audit = requests.get(request) ?? { records: [] }
    requests.delete(request)
    if (audit.lease !== undefined) {
      // The commit failed, or may have (a timeout): the cached head can no longer be trusted.
      leases.invalidate(audit.lease)
      if (isChainConflict(request.error)) {
        request.error = auditError(
          'AuditChainConflictError',
          'The audit chain head moved while the request committed; nothing was written. Retry the request.',
          { cause: request.error },
        )
      }
    }
    const errorName = nameOf(request.error)
    const dbs = request.context as unknown as RequestDbs
    const db = dbs.partner?.db ?? dbs.db
    const partnerId = dbs.partner?.id ?? options.unresolvedPartner
    const facts = factsOf(request, partnerId)
    const now = new Date()
    const totals = db?.meter.totals() ?? { calls: 0, readCapacityUnits: 0, writeCapacityUnits: 0, tables: {} }
    const cost = costOf(totals, dbs)
    // A request that recorded nothing still leaves one entry: the route it called and how it failed.
    const records =
      audit.records.length > 0
        ? audit.records
        : [
            queueRecord(
              {
                action: routeOf(request.event).slice(0, 256),
                entity: 'request',
                key: { requestId: facts.requestId },
              },
              rules,
            ),
          ]
    let auditWriteError: string | undefined
    if (db === undefined) auditWriteError = 'NoDynamoClient'
    else {
      try {
        const chained = await chainEntries(
          db,
          partnerId,
          records,
          facts,
          { failure: errorName },
          totals,
          cost,
          now,
        )
        try {
          await db.send(new TransactWriteItemsCommand({ TransactItems: chained.writes }))
          leases.release(chained.lease, chained.head, chained.leaseUntil)
        } catch (error) {
          leases.invalidate(chained.lease)
          throw error
        }
      } catch (error) {
        // Never mask the request's own error with the audit's; the log line carries it instead.
        auditWriteError = nameOf(error)
      }
    }
    emit(
      {
        partner: partnerId,
        actor: facts.actor,
        outcome: { failure: errorName },
        entries: auditWriteError === undefined ? records.length : 0,
        capacity: db?.meter.totals() ?? totals,
        costUsd: cost?.total ?? null,
        pendingWrites: 0,
        ...(auditWriteError === undefined ? {} : { auditWriteError }),
      },
      request.context,
      now,
    )
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

/** The commit was cancelled only because an audit head condition failed: a lost lease, retryable. */
function isChainConflict(error: unknown): boolean {
  if (!isDynamormError(error, 'TransactionCancelledError')) return false
  const reasons = (error as unknown as { reasons: Array<{ code: string; label?: string }> }).reasons
  const failed = reasons.filter((reason) => reason.code !== 'None')
  return (
    failed.length > 0 &&
    failed.every((reason) => reason.label === 'audit' && reason.code === 'ConditionalCheckFailed')
  )
}
