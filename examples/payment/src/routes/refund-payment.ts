// POST /payments/{id}/refunds: a partial or full refund, never more than was captured. The refund
// item and the payment's new refunded total are written together, at the version read.
import { PAYMENT_WRITE_LABEL } from '../http-error-responses.ts'
import type { PaymentContext, PaymentEvent } from '../payment-context.ts'
import { paymentError } from '../payment-error.ts'
import { newId } from '../payment-id.ts'
import { Payment, Refund } from '../payment-model.ts'
import { parseRefund, pathId } from '../payment-request.ts'
import { json, paymentView, refundView } from '../payment-view.ts'
import { loadPayment } from './load-payment.ts'

export async function refundPayment(event: PaymentEvent, context: PaymentContext) {
  const paymentId = pathId(event.pathParameters)
  const input = parseRefund(event.body)
  const payment = await loadPayment(context, paymentId)
  if (payment.status !== 'captured' && payment.status !== 'partially_refunded') {
    throw paymentError('PaymentStateError', `A ${payment.status} payment cannot be refunded`)
  }
  const captured = payment.capturedAmount ?? 0
  const refunded = (payment.refundedAmount ?? 0) + input.amount
  if (refunded > captured) {
    throw paymentError('RefundExceedsCapturedError', 'The refunds would exceed the captured amount', {
      details: { refundable: captured - (payment.refundedAmount ?? 0) },
    })
  }
  const db = context.partner.db
  const refund = {
    paymentId,
    id: newId('ref'),
    amount: input.amount,
    currency: payment.currency,
    reason: input.reason,
  }
  const now = new Date()
  const changes = {
    status: refunded === captured ? ('refunded' as const) : ('partially_refunded' as const),
    refundedAmount: refunded,
  }
  const refundWrite = await db.model(Refund).transactItem.create(refund)
  db.unitOfWork.add(refundWrite, { label: 'refund' })
  const createdAt = refundWrite.Put?.Item?.createdAt?.S ?? new Date().toISOString()
  // The version check is what keeps two concurrent refunds from both passing the check above.
  const write = await db
    .model(Payment)
    .transactItem.update({ id: paymentId }, { set: changes }, { expectedVersion: payment.version, now })
  db.unitOfWork.add(write, { label: PAYMENT_WRITE_LABEL })
  const after = { ...payment, ...changes, version: payment.version + 1, updatedAt: now.toISOString() }
  context.audit.record({
    action: 'payment.refund',
    entity: 'Payment',
    key: { paymentId },
    before: payment,
    after,
    model: Payment,
  })
  context.audit.record({
    action: 'refund.create',
    entity: 'Refund',
    key: { paymentId, refundId: refund.id },
    after: refund,
  })
  return json(201, {
    refund: refundView({ ...refund, createdAt, updatedAt: createdAt }),
    payment: paymentView(after),
  })
}
