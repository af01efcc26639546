// Reading the payment a route acts on: strongly consistent, because capture and refund decide on
// its amounts and version, and a stale read would only turn into a 412 at commit.

import type { PaymentContext } from '../payment-context.ts'
import { paymentError } from '../payment-error.ts'
import { Payment } from '../payment-model.ts'

export async function loadPayment(context: PaymentContext, id: string, consistent = true) {
  const payment = await context.partner.db.model(Payment).get({ id }, { consistent })
  // Another partner's payment lives in another account's table: it is simply not there.
  if (payment === undefined) throw paymentError('PaymentNotFoundError', 'No such payment')
  return payment
}
