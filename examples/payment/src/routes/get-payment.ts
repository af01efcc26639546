// GET /payments/{id}: the payment and its refunds (one partition: the payment and the refunds beside it).
import type { PaymentContext, PaymentEvent } from '../payment-context.ts'
import { Refund } from '../payment-model.ts'
import { pathId } from '../payment-request.ts'
import { json, paymentView, refundView } from '../payment-view.ts'
import { loadPayment } from './load-payment.ts'

export async function getPayment(event: PaymentEvent, context: PaymentContext) {
  const id = pathId(event.pathParameters)
  const payment = await loadPayment(context, id, false)
  const refunds = await context.partner.db.model(Refund).query({ paymentId: id }, { pages: 'all' })
  return json(200, { ...paymentView(payment), refunds: refunds.items.map(refundView) })
}
