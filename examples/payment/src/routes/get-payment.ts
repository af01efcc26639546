// GET /payments/{id}?refundsCursor=...: the payment and a page of its refunds (one partition: the
// payment and the refunds beside it), oldest first. A page, not all of them: a payment with thousands
// of partial refunds would cost a read of each, the Lambda's memory and API Gateway's 6 MB response.
// Strongly consistent, so a client reads what it has just written (a 201 is never followed by a 404).
import { QueryCommand } from '@aws-sdk/client-dynamodb'
import { encodeCursor, fromStoredItem, type ItemOf, keyAttributes } from '@dynamorm/core'
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

/**
 * The payment and its first refunds from one consistent Query of its partition: one round trip, and
 * one view (the refunds listed are the ones its refundedAmount counts). 'PAYMENT' sorts before
 * 'REFUND#', so the payment comes first. Core's model queries keep to one entity, hence the raw Query.
 */
async function firstPage(context: PaymentContext, id: string) {
  const db = context.partner.db
  const table = db.tableName(Payment.table)
  const output = await db.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': Payment.pkAttribute },
      ExpressionAttributeValues: { ':pk': keyAttributes(Payment, { id })[Payment.pkAttribute]! },
      ConsistentRead: true,
      Limit: REFUNDS_PER_READ + 1,
    }),
  )
  const [first, ...rest] = output.Items ?? []
  // Another partner's payment lives in another account's table: it is simply not there.
  if (first?.[Payment.entityAttribute]?.S !== Payment.name) {
    throw paymentError('PaymentNotFoundError', 'No such payment')
  }
  // The view shows no card data, so the sealed fields are left sealed (no KMS call, no plaintext).
  const clear = Object.fromEntries(
    Object.entries(first).filter(([name]) => !Payment.encrypted.includes(name)),
  )
  const payment: Omit<ItemOf<typeof Payment>, 'cardNumber' | 'cardExpiry'> = fromStoredItem(Payment, clear)
  return {
    payment,
    refunds: rest
      .filter((item) => item[Refund.entityAttribute]?.S === Refund.name)
      .map((item) => fromStoredItem(Refund, item)),
    // Scoped as the refunds query below scopes it, so the next request continues from here.
    cursor:
      output.LastEvaluatedKey === undefined
        ? null
        : encodeCursor(output.LastEvaluatedKey, { table }, db.options.cursorSecret),
  }
}

/** A later page: the payment (consistent, for today's amounts) and the refunds after the cursor. */
async function nextRefunds(context: PaymentContext, id: string, refundsCursor: string) {
  const payment = await loadPayment(context, id)
  const page = await context.partner.db
    .model(Refund)
    .query({ paymentId: id }, { limit: REFUNDS_PER_READ, cursor: refundsCursor, consistent: true })
  return { payment, refunds: page.items, cursor: page.cursor ?? null }
}
