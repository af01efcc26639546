// The writes that keep entities consistent with each other: a refund and the payment's refunded
// total land in one transaction, at the payment's version, so two concurrent refunds cannot both
// spend the same remaining amount.
import type { Db, ItemOf } from '@dynamorm/core'
import { Payment, Refund } from './entities.ts'
import { ledgerError } from './ledger-error.ts'

export type PaymentItem = ItemOf<typeof Payment>
export type RefundItem = ItemOf<typeof Refund>

export interface RefundRequest {
  partnerId: string
  paymentId: string
  refundId: string
  amount: number
  refundedAt: Date
}

/** Records a refund of a captured payment; returns the refund as written. */
export async function refundPayment(
  db: Db,
  request: RefundRequest,
): Promise<Omit<RefundItem, 'createdAt' | 'updatedAt'>> {
  const { partnerId, paymentId } = request
  const payment = await db.model(Payment).getOrThrow({ partnerId, paymentId }, { consistent: true })
  if (payment.status !== 'CAPTURED') {
    throw ledgerError('RefundNotAllowedError', `Payment ${paymentId} is ${payment.status}, not CAPTURED`, {
      paymentId,
      status: payment.status,
    })
  }
  const remaining = payment.amount - (payment.refundedAmount ?? 0)
  if (request.amount > remaining) {
    throw ledgerError(
      'RefundExceedsPaymentError',
      `Only ${remaining} of payment ${paymentId} is refundable`,
      {
        paymentId,
        remaining,
      },
    )
  }
  const refund = {
    partnerId,
    paymentId,
    refundId: request.refundId,
    customerId: payment.customerId,
    amount: request.amount,
    currency: payment.currency,
    refundedAt: request.refundedAt,
  }
  // The labels name the failed write in a TransactionCancelledError's reasons.
  await db.model(Refund).queue.create(refund, { label: 'refund' })
  const fully = request.amount === remaining
  // status is in gsi2's key (with paidAt, itself in gsi1's key with customerId): a key is only rebuilt
  // from values the update sets, so all of them are set, unchanged but for the status.
  const changes = fully
    ? {
        add: { refundedAmount: request.amount },
        set: { status: 'REFUNDED' as const, paidAt: payment.paidAt, customerId: payment.customerId },
      }
    : { add: { refundedAmount: request.amount } }
  await db.model(Payment).queue.update({ partnerId, paymentId }, changes, {
    expectedVersion: payment.version,
    label: 'payment-refunded-total',
  })
  await db.unitOfWork.commit()
  return refund
}

/** Marks a payment disputed: it enters the sparse gsi3. */
export function disputePayment(db: Db, partnerId: string, paymentId: string, at: Date): Promise<PaymentItem> {
  return db.model(Payment).update({ partnerId, paymentId }, { set: { disputedAt: at } })
}
