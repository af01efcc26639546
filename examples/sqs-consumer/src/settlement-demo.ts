// What `pnpm start` runs: two batches of settlement events, with a duplicate, a poison message, a
// reused event id with another amount and a redelivery, and the balance they leave.
import { createDb } from '@dynamorm/core'
import { createTestTable, lambdaContext, localDynamoClient } from '@dynamorm/testing'
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda'
import { Balance } from './ledger.ts'
import { settlementProcessor } from './settle-payment.ts'
import { type RecordReport, sqsBatchHandler } from './sqs-batch.ts'
import { sqsMessage } from './sqs-message.ts'
import { settlementTables } from './tables.ts'

export interface DemoOptions {
  dynamoEndpoint: string
  /** Run-unique start of the table names, so demos can share a DynamoDB Local. */
  namespace?: string
  say?: (line: string) => void
}

export interface DemoResult {
  batches: Array<{ response: SQSBatchResponse; reports: RecordReport[] }>
  balance: number | undefined
}

const settled = (eventId: string, paymentId: string, amount: number) => ({
  eventId,
  paymentId,
  merchantId: 'm-acme',
  amount,
  currency: 'EUR',
})

export async function runSettlementDemo(options: DemoOptions): Promise<DemoResult> {
  const say = options.say ?? (() => {})
  const namespace = options.namespace ?? ''
  const client = localDynamoClient(options.dynamoEndpoint)
  for (const table of settlementTables(namespace)) await createTestTable(client, table)
  const tableName = (logical: string) => `${namespace}${logical}`
  let reports: RecordReport[] = []
  const handler = sqsBatchHandler(settlementProcessor({ client, tableName }), {
    onRecord: (report) => {
      reports.push(report)
      const what =
        report.status === 'failed'
          ? `${report.error} (${report.httpStatus})`
          : report.status === 'skipped'
            ? report.reason
            : `${report.outcome.eventId} ${report.outcome.paymentId}`
      say(`  ${report.messageId.padEnd(6)} ${report.status.padEnd(9)} ${what}`)
    },
  })

  const batches: DemoResult['batches'] = []
  const deliver = async (title: string, records: SQSRecord[]) => {
    say(title)
    reports = []
    const response = await handler({ Records: records }, lambdaContext({ functionName: 'settlements' }))
    say(
      `  batchItemFailures: ${response.batchItemFailures.map((f) => f.itemIdentifier).join(', ') || '(none)'}`,
    )
    batches.push({ response, reports })
  }

  await deliver('batch 1', [
    sqsMessage({ messageId: 'm-1', eventId: 'e-1', body: settled('e-1', 'pay-1', 1000) }),
    sqsMessage({ messageId: 'm-2', body: settled('e-2', 'pay-2', 250) }),
    // The producer retried its send: a new message for the same event.
    sqsMessage({ messageId: 'm-3', eventId: 'e-1', body: settled('e-1', 'pay-1', 1000) }),
    sqsMessage({ messageId: 'm-4', body: 'not json' }),
    // The same event id with another amount: a producer bug, never applied.
    sqsMessage({ messageId: 'm-5', body: settled('e-2', 'pay-2', 9999) }),
  ])
  await deliver('batch 2', [
    // m-1 again (visibility timeout passed before the delete): its receive count changed, its body did not.
    sqsMessage({ messageId: 'm-1', eventId: 'e-1', body: settled('e-1', 'pay-1', 1000), receiveCount: 2 }),
    sqsMessage({ messageId: 'm-6', eventId: 'e-3', body: settled('e-3', 'pay-3', 40) }),
  ])

  const db = createDb({ client, tableName })
  const balance = (
    await db.model(Balance).get({ merchantId: 'm-acme', currency: 'EUR' }, { consistent: true })
  )?.available
  say(`balance of m-acme: ${balance} EUR cents (1000 + 250 + 40)`)
  client.destroy()
  return { batches, balance }
}
