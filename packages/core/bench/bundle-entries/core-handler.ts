// A Lambda handler that records a payment and lists the partner's settled payments, with core.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { createDb } from '@dynamorm/core'
import { corePayment } from '../models/core-payment.ts'
import type { PaymentInput } from '../payment-requests.ts'

// One client per container, created at init.
const db = createDb({ client: new DynamoDBClient({}), tableName: process.env.TABLE_PREFIX })
const payments = db.model(corePayment)

export const handler = async (event: { payment: PaymentInput }) => {
  await payments.put(event.payment)
  const page = await payments.query(
    { partnerId: event.payment.partnerId },
    {
      filter: (c) => c.and(c.eq('status', 'SETTLED'), c.ge('amount', 100)),
      projection: ['id', 'amount', 'status', 'createdAt'],
    },
  )
  return page.items
}
