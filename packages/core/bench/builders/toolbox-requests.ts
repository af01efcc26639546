// The four requests with dynamodb-toolbox v2: each action built from the entity (or table, for a
// query) and turned into DocumentClient input by `.params()`, without sending.
import { GetItemCommand } from 'dynamodb-toolbox/entity/actions/get'
import { PutItemCommand } from 'dynamodb-toolbox/entity/actions/put'
import { $add, $append, $get, $remove, UpdateItemCommand } from 'dynamodb-toolbox/entity/actions/update'
import { QueryCommand } from 'dynamodb-toolbox/table/actions/query'
import { toolboxPayment, toolboxPayments } from '../models/toolbox-payment.ts'
import { type PaymentInput, type PaymentKey, partnerQuery, refund } from '../payment-requests.ts'

export const toolboxRequests = {
  get: (key: PaymentKey) => toolboxPayment.build(GetItemCommand).key(key).params(),

  put: (payment: PaymentInput) => toolboxPayment.build(PutItemCommand).item(payment).params(),

  update: (key: PaymentKey) =>
    toolboxPayment
      .build(UpdateItemCommand)
      .item({
        ...key,
        status: refund.status,
        amount: $add(refund.amountDelta),
        cardLast4: $remove(),
        tags: $append(refund.appendedTags),
        currency: $get('currency', refund.defaultCurrency),
      })
      .options({
        condition: {
          and: [
            { attr: 'status', eq: refund.requiredStatus },
            { attr: 'amount', gte: refund.minimumAmount },
          ],
        },
      })
      .params(),

  // The partition value is rendered here: a table query takes the physical key, not the entity's
  // composite attributes.
  query: (partnerId: string) =>
    toolboxPayments
      .build(QueryCommand)
      .entities(toolboxPayment)
      .query({ partition: `PARTNER#${partnerId}`, range: { beginsWith: 'PAYMENT#' } })
      .options({
        filters: {
          Payment: {
            and: [
              { attr: 'status', eq: partnerQuery.status },
              { attr: 'amount', gte: partnerQuery.minimumAmount },
            ],
          },
        },
        attributes: [...partnerQuery.attributes],
      })
      .params(),
}
