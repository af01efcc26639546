// POST /payments/{id}/capture: captures an authorised payment, all of it or part (body { amount }).
import { PAYMENT_WRITE_LABEL } from '../http-error-responses.ts'
import type { PaymentContext, PaymentEvent } from '../payment-context.ts'
import { paymentError } from '../payment-error.ts'
import { Payment } from '../payment-model.ts'
import { parseCapture, pathId } from '../payment-request.ts'
import { json, paymentView } from '../payment-view.ts'
import { loadPayment } from './load-payment.ts'

export async function capturePayment(event: PaymentEvent, context: PaymentContext) {
  const id = pathId(event.pathParameters)
  const input = parseCapture(event.body)
  const payment = await loadPayment(context, id)
  if (payment.status !== 'authorized') {
    throw paymentError('PaymentStateError', `A ${payment.status} payment cannot be captured`)
  }
  const amount = input.amount ?? payment.amount
  if (amount > payment.amount) {
    throw paymentError('CaptureExceedsAuthorizedError', 'The capture amount exceeds the authorised amount')
  }
  const now = new Date()
  const changes = { status: 'captured' as const, capturedAmount: amount }
  // Written only at the version read: a concurrent capture or refund makes this commit fail (412).
  const db = context.partner.db
  const write = await db
    .model(Payment)
    .transactItem.update({ id }, { set: changes }, { expectedVersion: payment.version, now })
  db.unitOfWork.add(write, { label: PAYMENT_WRITE_LABEL })
  const after = { ...payment, ...changes, version: payment.version + 1, updatedAt: now.toISOString() }
  context.audit.record({
    action: 'payment.capture',
    entity: 'Payment',
    key: { paymentId: id },
    before: payment,
    after,
    model: Payment,
  })
  return json(200, paymentView(after))
}
