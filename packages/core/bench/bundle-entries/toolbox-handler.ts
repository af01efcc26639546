// The same handler with dynamodb-toolbox v2.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put'
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query'
import { toolboxPayment, toolboxPayments } from '../models/toolbox-payment.ts'
import type { PaymentInput } from '../payment-requests.ts'

toolboxPayments.documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}))
const tableName = `${process.env.TABLE_PREFIX ?? ''}payments`

export const handler = async (event: { payment: PaymentInput }) => {
  await toolboxPayment.build(PutItemCommand).item(event.payment).options({ tableName }).send()
  const { Items } = await toolboxPayments
    .build(QueryCommand)
    .entities(toolboxPayment)
    .query({ partition: `PARTNER#${event.payment.partnerId}`, range: { beginsWith: 'PAYMENT#' } })
    .options({
      tableName,
      filters: {
        Payment: {
          and: [
            { attr: 'status', eq: 'SETTLED' },
            { attr: 'amount', gte: 100 },
          ],
        },
      },
      attributes: ['id', 'amount', 'status', 'createdAt'],
    })
    .send()
  return Items
}
