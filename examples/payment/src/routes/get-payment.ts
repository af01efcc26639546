// GET /payments/{id}?refundsCursor=...: the payment and a page of its refunds (one partition: the
// payment and the refunds beside it), oldest first. A page, not all of them: a payment with thousands
// of partial refunds would cost a read of each, the Lambda's memory and API Gateway's 6 MB response.
// Strongly consistent, so a client reads what it has just written (a 201 is never followed by a 404).
import { itemCollection } from '@dynamorm/core'
import type { PaymentContext, PaymentEvent } from '../payment-context.ts'
import { paymentError } from '../payment-error.ts'
import { Payment, Refund } from '../payment-model.ts'
import { parseGetPayment, pathId } from '../payment-request.ts'
import { json, paymentView, refundView } from '../payment-view.ts'
import { loadPayment } from './load-payment.ts'

/** Refunds read per request (the query's Limit); `refundsCursor` in the answer leads to the next ones. */
export const REFUNDS_PER_READ = 100

export async function getPayment(event: PaymentEvent, context: PaymentContext) {
  const id = pathId(event.pathParameters)
  const input = parseGetPayment(event.queryStringParameters)
  const { payment, refunds, cursor } =
    input.refundsCursor === undefined
      ? await firstPage(context, id)
      : await nextRefunds(context, id, input.refundsCursor)
  return json(200, { ...paymentView(payment), refunds: refunds.map(refundView), refundsCursor: cursor })
}

// What the views show: every attribute but the sealed card fields, so reading the partition costs no
// KMS call and holds no card plaintext.
const VIEWED = [
  'id',
  'status',
  'amount',
  'currency',
  'capturedAmount',
  'refundedAmount',
  'merchantReference',
  'description',
  'cardLast4',
  'cardBrand',
  'version',
  'createdAt',
  'updatedAt',
  'paymentId',
  'reason',
] as const

/** The payment's partition: the payment and the refunds beside it. */
function paymentWithRefunds(context: PaymentContext) {
  return itemCollection(context.partner.db, { payment: Payment, refunds: Refund })
}

/**
 * The payment and its first refunds from one consistent Query of its partition: one round trip, and
 * one view (the refunds listed are the ones its refundedAmount counts). 'PAYMENT' sorts before
 * 'REFUND#', so the payment is the first item read.
 */
async function firstPage(context: PaymentContext, id: string) {
  const page = await paymentWithRefunds(context).query(
    { id },
    { consistent: true, limit: REFUNDS_PER_READ + 1, projection: VIEWED },
  )
  const [payment] = page.items.payment
  // Another partner's payment lives in another account's table: it is simply not there.
  if (payment === undefined) throw paymentError('PaymentNotFoundError', 'No such payment')
  return { payment, refunds: page.items.refunds, cursor: page.cursor ?? null }
}

/** A later page: the payment (consistent, for today's amounts) and the refunds after the cursor. */
async function nextRefunds(context: PaymentContext, id: string, refundsCursor: string) {
  const payment = await loadPayment(context, id)
  // The cursor is the collection's (bound to its entities), so the collection continues from it.
  const page = await paymentWithRefunds(context).query(
    { id },
    { limit: REFUNDS_PER_READ, cursor: refundsCursor, consistent: true, projection: VIEWED },
  )
  return { payment, refunds: page.items.refunds, cursor: page.cursor ?? null }
}
