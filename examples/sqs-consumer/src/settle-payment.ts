// One SQS record through the request's path: dynamoClient() (a Db and unit of work of its own) →
// idempotency() (lock on the event id, replay of a completed one) → the settlement's writes queued →
// idempotency's completion queued → one TransactWriteItems. The settlement, the balance credit and
// the idempotency record land together or not at all.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { dynamoClient } from '@dynamorm/client'
import { idempotency } from '@dynamorm/idempotency'
import middy from '@middy/core'
import type { Context, SQSRecord } from 'aws-lambda'
import { Balance, Settlement } from './ledger.ts'
import { parseSettlementEvent, settlementEventId } from './settlement-event.ts'

export interface SettlementOutcome {
  eventId: string
  paymentId: string
  /** The request id of the delivery that did the work: on a replay, an earlier delivery's. */
  processedBy: string
}

export interface SettlementProcessorOptions {
  /** The container's DynamoDB client. */
  client: DynamoDBClient
  /** Logical to physical table names (`ledger`, `idempotency`). */
  tableName?: string | ((logical: string) => string)
  /** How long a settled event is remembered (default 7 days: longer than the queue's retention). */
  ttlSeconds?: number
}

export type RecordProcessor = (record: SQSRecord, context: Context) => Promise<SettlementOutcome>

export const settlementDefaults = { ttlSeconds: 7 * 86_400 }

export function settlementProcessor(options: SettlementProcessorOptions): RecordProcessor {
  const settings = { ...settlementDefaults, ...options }
  const handler = middy<SQSRecord, SettlementOutcome>()
    .use(dynamoClient({ client: settings.client, tableName: settings.tableName, warmup: false }))
    .use(
      idempotency<SQSRecord, SettlementOutcome>({
        key: settlementEventId,
        operation: 'settle-payment',
        // The body only: the record's receipt handle and receive count change on every redelivery.
        payload: (record) => record.body,
        ttlSeconds: settings.ttlSeconds,
      }),
    )
    .handler(async (record, context) => {
      const event = parseSettlementEvent(record.body)
      const db = context.db
      await db.model(Settlement).queue.create({
        paymentId: event.paymentId,
        merchantId: event.merchantId,
        eventId: event.eventId,
        amount: event.amount,
        currency: event.currency,
      })
      await db
        .model(Balance)
        .queue.update(
          { merchantId: event.merchantId, currency: event.currency },
          { add: { available: event.amount } },
          { upsert: true },
        )
      return { eventId: event.eventId, paymentId: event.paymentId, processedBy: context.awsRequestId }
    })
  return handler as unknown as RecordProcessor
}
