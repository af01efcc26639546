// Reading the payment a route acts on: strongly consistent, because capture and refund decide on
// its amounts and version (a stale read would only turn into a 412 at commit), and GET shows them.

import type { PaymentContext } from '../payment-context.ts'
import { paymentError } from '../payment-error.ts'
import { Payment } from '../payment-model.ts'

export async function loadPayment(context: PaymentContext, id: string) {
  const payment = await context.partner.db.model(Payment).get({ id }, { consistent: true })
  // Another partner's payment lives in another account's table: it is simply not there.
  if (payment === undefined) throw paymentError('PaymentNotFoundError', 'No such payment')
  return payment
}
