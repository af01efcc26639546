// The Lambda handler of the queue: each record is processed on its own (its own unit of work and
// idempotency lock), in order, and only the records that failed are reported back
// (`batchItemFailures`, with ReportBatchItemFailures on the event source mapping) so SQS redelivers
// those alone. Records run one after another: a duplicate later in the batch then finds the first
// one's completed record and is replayed, not refused as in flight.
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda'
import type { RecordProcessor, SettlementOutcome } from './settle-payment.ts'

export type RecordReport =
  | { messageId: string; status: 'processed' | 'replayed'; outcome: SettlementOutcome }
  | { messageId: string; status: 'failed'; error: string; httpStatus?: number }
  | { messageId: string; status: 'skipped'; reason: string }

export interface BatchHandlerOptions {
  /** Told how each record went (logs, metrics, the demo's printout). */
  onRecord?: (report: RecordReport) => void
}

/**
 * A per-record Lambda context: the request id names the record and its place in the batch, so each
 * commit's token is its own and a second copy of a message in one batch is told apart (and replayed).
 */
function recordContext(context: Context, record: SQSRecord, position: number): Context {
  return { ...context, awsRequestId: `${context.awsRequestId}/${position}/${record.messageId}` }
}

export function sqsBatchHandler(
  processRecord: RecordProcessor,
  options: BatchHandlerOptions = {},
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const onRecord = options.onRecord ?? (() => {})
  // Logged, never thrown: inside the try it would report a settled record failed (SQS sends it again),
  // and in the catch it would fail the whole invocation (SQS sends every record again).
  const report = (outcome: RecordReport) => {
    try {
      onRecord(outcome)
    } catch (error) {
      console.error('sqs-consumer: the onRecord callback failed', error)
    }
  }
  return async function sqsBatch(event, context) {
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = []
    const failedGroups = new Set<string>()
    for (const [position, record] of event.Records.entries()) {
      // FIFO queues: once a record of a group failed, the later ones of that group must wait for it.
      const group = record.attributes?.MessageGroupId
      if (group !== undefined && failedGroups.has(group)) {
        batchItemFailures.push({ itemIdentifier: record.messageId })
        report({
          messageId: record.messageId,
          status: 'skipped',
          reason: `group ${group} has a failed record`,
        })
        continue
      }
      const perRecord = recordContext(context, record, position)
      try {
        const outcome = await processRecord(record, perRecord)
        const status = outcome.processedBy === perRecord.awsRequestId ? 'processed' : 'replayed'
        report({ messageId: record.messageId, status, outcome })
      } catch (error) {
        batchItemFailures.push({ itemIdentifier: record.messageId })
        if (group !== undefined) failedGroups.add(group)
        const { name, status } = error as { name?: string; status?: number }
        report({ messageId: record.messageId, status: 'failed', error: name ?? 'Error', httpStatus: status })
      }
    }
    return { batchItemFailures }
  }
}
