// What callers see of a payment: never the card number or expiry, only last4 and brand.
import type { ItemOf } from '@dynamorm/core'
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda'
import type { Payment, Refund } from './payment-model.ts'

export interface PaymentView {
  id: string
  status: string
  amount: number
  currency: string
  capturedAmount: number
  refundedAmount: number
  card: { last4: string; brand: string }
  merchantReference?: string
  description?: string
  version: number
  createdAt: string
  updatedAt: string
}

export interface RefundView {
  id: string
  paymentId: string
  amount: number
  currency: string
  reason?: string
  createdAt: string
}

type PaymentFields = Omit<ItemOf<typeof Payment>, 'cardNumber' | 'cardExpiry'> & {
  cardNumber?: unknown
  cardExpiry?: unknown
}

export function paymentView(payment: PaymentFields): PaymentView {
  const view: PaymentView = {
    id: payment.id,
    status: payment.status,
    amount: payment.amount,
    currency: payment.currency,
    capturedAmount: payment.capturedAmount ?? 0,
    refundedAmount: payment.refundedAmount ?? 0,
    card: { last4: payment.cardLast4, brand: payment.cardBrand },
    version: payment.version,
    createdAt: payment.createdAt,
    updatedAt: payment.updatedAt,
  }
  if (payment.merchantReference !== undefined) view.merchantReference = payment.merchantReference
  if (payment.description !== undefined) view.description = payment.description
  return view
}

export function refundView(refund: ItemOf<typeof Refund>): RefundView {
  const view: RefundView = {
    id: refund.id,
    paymentId: refund.paymentId,
    amount: refund.amount,
    currency: refund.currency,
    createdAt: refund.createdAt,
  }
  if (refund.reason !== undefined) view.reason = refund.reason
  return view
}

export function json(statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
}
