// POST /payments: authorises a payment. The write is queued in the request's unit of work, so the
// payment, its audit entry and the idempotency completion commit together or not at all.

import { PAYMENT_WRITE_LABEL } from '../http-error-responses.ts'
import type { PaymentContext, PaymentEvent } from '../payment-context.ts'
import { newId } from '../payment-id.ts'
import { Payment } from '../payment-model.ts'
import { parseCreatePayment } from '../payment-request.ts'
import { json, paymentView } from '../payment-view.ts'

export async function createPayment(event: PaymentEvent, context: PaymentContext) {
  const input = parseCreatePayment(event.body)
  const payment = {
    id: newId('pay'),
    status: 'authorized' as const,
    amount: input.amount,
    currency: input.currency,
    capturedAmount: 0,
    refundedAmount: 0,
    merchantReference: input.merchantReference,
    description: input.description,
    cardNumber: input.card.number,
    cardExpiry: input.card.expiry,
    cardLast4: input.card.last4,
    cardBrand: input.card.brand,
  }
  const db = context.partner.db
  const write = await db.model(Payment).transactItem.create(payment)
  db.unitOfWork.add(write, { label: PAYMENT_WRITE_LABEL })
  // The timestamps the write itself carries, so the response says exactly what is stored.
  const createdAt = write.Put?.Item?.createdAt?.S ?? new Date().toISOString()
  context.audit.record({
    action: 'payment.authorize',
    entity: 'Payment',
    key: { paymentId: payment.id },
    after: payment,
    model: Payment,
  })
  return json(201, paymentView({ ...payment, version: 1, createdAt, updatedAt: createdAt }))
}
