// The same handler with ElectroDB.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { electroPayment } from '../models/electrodb-payment.ts'
import type { PaymentInput } from '../payment-requests.ts'

electroPayment.setClient(new DynamoDBClient({}))
electroPayment.setTableName(`${process.env.TABLE_PREFIX ?? ''}payments`)

export const handler = async (event: { payment: PaymentInput }) => {
  await electroPayment.put(event.payment).go()
  const { data } = await electroPayment.query
    .primary({ partnerId: event.payment.partnerId })
    .where(({ status, amount }, { eq, gte }) => `${eq(status, 'SETTLED')} AND ${gte(amount, 100)}`)
    .go({ attributes: ['id', 'amount', 'status', 'createdAt'] })
  return data
}
