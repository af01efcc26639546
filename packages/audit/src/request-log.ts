// One JSON line per request (field names Powertools Logger uses, so log queries written for it work)
// and one CloudWatch Embedded Metric Format line, both on stdout where Lambda ships them.
import type { AuditOutcome } from './audit-entry.ts'

export interface RequestSummary {
  partner: string
  actor: string
  outcome: AuditOutcome
  entries: number
  capacity: { calls: number; readCapacityUnits: number; writeCapacityUnits: number }
  costUsd: number | null
  /**
   * Writes still queued in the unit of work when the line was made (their capacity is not in
   * `capacity`): 0 for a success, whose line is emitted once the commit has landed.
   */
  pendingWrites: number
  /** Set when the audit entries themselves could not be written. */
  auditWriteError?: string
}

// Powertools reports cold_start once per container; so do we.
let coldStart = true

function traceId(): string | undefined {
  const header = process.env._X_AMZN_TRACE_ID
  return header
    ?.split(';')
    .find((part) => part.startsWith('Root='))
    ?.slice(5)
}

export function requestLogLine(
  summary: RequestSummary,
  context: { awsRequestId: string; functionName?: string },
  service: string,
  now: Date,
): string {
  const failed = summary.outcome !== 'success' || summary.auditWriteError !== undefined
  const line = {
    level: failed ? 'ERROR' : 'INFO',
    message: failed ? 'audited request failed' : 'audited request',
    timestamp: now.toISOString(),
    service,
    cold_start: coldStart,
    function_name: context.functionName,
    function_request_id: context.awsRequestId,
    xray_trace_id: traceId(),
    partner: summary.partner,
    actor: summary.actor,
    outcome: summary.outcome,
    audit_entries: summary.entries,
    pending_writes: summary.pendingWrites,
    consumed_rcu: summary.capacity.readCapacityUnits,
    consumed_wcu: summary.capacity.writeCapacityUnits,
    dynamodb_calls: summary.capacity.calls,
    estimated_cost_usd: summary.costUsd,
    audit_write_error: summary.auditWriteError,
  }
  coldStart = false
  return JSON.stringify(line)
}

export function metricsLine(summary: RequestSummary, namespace: string, now: Date): string {
  return JSON.stringify({
    _aws: {
      Timestamp: now.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [['partner']],
          Metrics: [
            { Name: 'Requests', Unit: 'Count' },
            { Name: 'ConsumedRCU', Unit: 'Count' },
            { Name: 'ConsumedWCU', Unit: 'Count' },
            { Name: 'EstimatedCostUSD', Unit: 'None' },
          ],
        },
      ],
    },
    partner: summary.partner,
    Requests: 1,
    ConsumedRCU: summary.capacity.readCapacityUnits,
    ConsumedWCU: summary.capacity.writeCapacityUnits,
    EstimatedCostUSD: summary.costUsd ?? 0,
  })
}
