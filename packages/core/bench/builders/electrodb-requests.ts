// The four requests with ElectroDB 3.9: `.params()` gives DocumentClient input without sending.
// if_not_exists goes through `.data()`: the chained `.ifNotExists()` works at run time but is not in
// ElectroDB's update chain types.
import { electroPayment } from '../models/electrodb-payment.ts'
import { type PaymentInput, type PaymentKey, partnerQuery, refund } from '../payment-requests.ts'

export const electrodbRequests = {
  get: (key: PaymentKey) => electroPayment.get(key).params(),

  put: (payment: PaymentInput) => electroPayment.put(payment).params(),

  update: (key: PaymentKey) =>
    electroPayment
      .update(key)
      .set({ status: refund.status })
      .add({ amount: refund.amountDelta })
      .remove([refund.removed])
      .append({ tags: refund.appendedTags })
      .data(({ currency }, { ifNotExists }) => ifNotExists(currency, refund.defaultCurrency))
      .where(
        ({ status, amount }, { eq, gte }) =>
          `${eq(status, refund.requiredStatus)} AND ${gte(amount, refund.minimumAmount)}`,
      )
      .params(),

  query: (partnerId: string) =>
    electroPayment.query
      .primary({ partnerId })
      .where(
        ({ status, amount }, { eq, gte }) =>
          `${eq(status, partnerQuery.status)} AND ${gte(amount, partnerQuery.minimumAmount)}`,
      )
      .params({ attributes: [...partnerQuery.attributes] }),
}
