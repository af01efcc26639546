// One JSON line per request (field names Powertools Logger uses, so log queries written for it work)
// and one CloudWatch Embedded Metric Format line, both on stdout where Lambda ships them; the same pair
// when a chain shard is taken out of use.
import type { CapacityTotals } from '@dynamorm/core'
import type { AuditOutcome } from './audit-entry.ts'

export interface RequestSummary {
  partner: string
  actor: string
  outcome: AuditOutcome
  entries: number
  capacity: CapacityTotals
  costUsd: number | null
  /** Set when the audit entries themselves could not be written. */
  auditWriteError?: string
}

// Powertools reports cold_start once per container; so do we.
let coldStart = true

export interface RequestLogOptions {
  service: string
  metricsNamespace: string
  logger: (line: string) => void
}

/** Writes the request's log line, then its metrics line. */
export function logRequest(
  summary: RequestSummary,
  context: { awsRequestId: string; functionName?: string },
  { service, metricsNamespace, logger }: RequestLogOptions,
): void {
  const now = new Date()
  const failed = summary.outcome !== 'success' || summary.auditWriteError !== undefined
  const { partner, capacity, costUsd } = summary
  logger(
    JSON.stringify({
      level: failed ? 'ERROR' : 'INFO',
      message: failed ? 'audited request failed' : 'audited request',
      timestamp: now.toISOString(),
      service,
      cold_start: coldStart,
      function_name: context.functionName,
      function_request_id: context.awsRequestId,
      xray_trace_id: /(?:^|;)Root=([^;]+)/.exec(process.env._X_AMZN_TRACE_ID ?? '')?.[1],
      partner,
      actor: summary.actor,
      outcome: summary.outcome,
      audit_entries: summary.entries,
      // Writes still queued when the line was made: none, since a success is logged once its commit settled.
      pending_writes: 0,
      consumed_rcu: capacity.readCapacityUnits,
      consumed_wcu: capacity.writeCapacityUnits,
      dynamodb_calls: capacity.calls,
      estimated_cost_usd: costUsd,
      audit_write_error: summary.auditWriteError,
    }),
  )
  coldStart = false
  const metrics = {
    Requests: 1,
    ConsumedRCU: capacity.readCapacityUnits,
    ConsumedWCU: capacity.writeCapacityUnits,
    EstimatedCostUSD: costUsd ?? 0,
  }
  logger(
    metricsLine(now, metricsNamespace, { partner }, metrics, (name) =>
      name === 'EstimatedCostUSD' ? 'None' : 'Count',
    ),
  )
}

/** A shard's head was found behind its entries (set back): an alarm an operator must look into. */
export function logShardOutOfUse(
  shard: { partner: string; shard: number; table: string },
  context: { awsRequestId: string; functionName?: string },
  { service, metricsNamespace, logger }: RequestLogOptions,
): void {
  const now = new Date()
  logger(
    JSON.stringify({
      level: 'ERROR',
      message: 'audit chain shard out of use: its head is behind its entries',
      timestamp: now.toISOString(),
      service,
      function_name: context.functionName,
      function_request_id: context.awsRequestId,
      ...shard,
    }),
  )
  logger(metricsLine(now, metricsNamespace, shard, { AuditShardsOutOfUse: 1 }, () => 'Count'))
}

/**
 * A CloudWatch Embedded Metric Format line: the metrics, dimensioned by partner, beside `fields` (which
 * holds the partner).
 */
function metricsLine(
  now: Date,
  namespace: string,
  fields: { partner: string },
  metrics: Record<string, number>,
  unit: (name: string) => string,
): string {
  return JSON.stringify({
    _aws: {
      Timestamp: now.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [['partner']],
          Metrics: Object.keys(metrics).map((Name) => ({ Name, Unit: unit(Name) })),
        },
      ],
    },
    ...fields,
    ...metrics,
  })
}
