// GET /payments/{id}?refundsCursor=...: the payment and a page of its refunds (one partition: the
// payment and the refunds beside it), oldest first. A page, not all of them: a payment with thousands
// of partial refunds would cost a read of each, the Lambda's memory and API Gateway's 6 MB response.
import type { PaymentContext, PaymentEvent } from '../payment-context.ts'
import { Refund } from '../payment-model.ts'
import { parseGetPayment, pathId } from '../payment-request.ts'
import { json, paymentView, refundView } from '../payment-view.ts'
import { loadPayment } from './load-payment.ts'

/** Refunds read per request (the query's Limit); `refundsCursor` in the answer leads to the next ones. */
export const REFUNDS_PER_READ = 100

export async function getPayment(event: PaymentEvent, context: PaymentContext) {
  const id = pathId(event.pathParameters)
  const input = parseGetPayment(event.queryStringParameters)
  const payment = await loadPayment(context, id, false)
  const refunds = await context.partner.db.model(Refund).query(
    { paymentId: id },
    {
      limit: REFUNDS_PER_READ,
      ...(input.refundsCursor === undefined ? {} : { cursor: input.refundsCursor }),
    },
  )
  return json(200, {
    ...paymentView(payment),
    refunds: refunds.items.map(refundView),
    refundsCursor: refunds.cursor ?? null,
  })
}
