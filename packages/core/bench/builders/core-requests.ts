// The four requests with core's pure params builders: low-level (AttributeValue) input, exactly what
// db.send passes to the SDK command.
import { getParams, putParams, queryParams, updateParams } from '@dynamorm/core'
import { corePayment } from '../models/core-payment.ts'
import { type PaymentInput, type PaymentKey, partnerQuery, refund } from '../payment-requests.ts'

export const coreRequests = {
  get: (key: PaymentKey) => getParams(corePayment, key),

  put: (payment: PaymentInput) => putParams(corePayment, payment),

  update: (key: PaymentKey) =>
    updateParams(
      corePayment,
      key,
      {
        set: { status: refund.status },
        add: { amount: refund.amountDelta },
        remove: [refund.removed],
        append: { tags: refund.appendedTags },
        setIfNotExists: { currency: refund.defaultCurrency },
      },
      { where: (c) => c.and(c.eq('status', refund.requiredStatus), c.ge('amount', refund.minimumAmount)) },
    ),

  query: (partnerId: string) =>
    queryParams(
      corePayment,
      { partnerId },
      {
        filter: (c) => c.and(c.eq('status', partnerQuery.status), c.ge('amount', partnerQuery.minimumAmount)),
        projection: partnerQuery.attributes,
      },
    ),
}
