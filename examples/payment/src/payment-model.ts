// The payment service's two entities, in one table per partner: a payment (with its refunds beside it
// in the same partition) and each refund. Amounts are integer minor units (cents): no float rounding
// can ever create or lose money.
import { defineModel, enumeration, number, string } from '@dynamorm/core'

export const currencies = ['EUR', 'USD', 'GBP'] as const
export const paymentStatuses = ['authorized', 'captured', 'partially_refunded', 'refunded'] as const
export type PaymentStatus = (typeof paymentStatuses)[number]

export const Payment = defineModel({
  name: 'Payment',
  table: 'payments',
  attributes: {
    // Time-ordered ids (see payment-id.ts), so the status index lists payments oldest to newest.
    id: string().required(),
    status: enumeration(paymentStatuses).required(),
    amount: number().required(),
    currency: enumeration(currencies).required(),
    capturedAmount: number().default(0),
    refundedAmount: number().default(0),
    merchantReference: string(),
    description: string(),
    // The card: number and expiry sealed by field encryption (KMS, per partner); last4 and brand in
    // clear for receipts. A beacon of the number (cardNumberBeacon) is added by the encryption layer.
    cardNumber: string().encrypted().required(),
    cardExpiry: string().encrypted().required(),
    cardLast4: string().required(),
    cardBrand: string().required(),
  },
  key: { pk: 'PAYMENT#{id}', sk: 'PAYMENT' },
  indexes: {
    // Payments of one status, oldest first (time-ordered ids).
    byStatus: { type: 'gsi', pk: 'STATUS#{status}', sk: 'PAYMENT#{id}' },
  },
  // Optimistic locking: capture and refund write only the version they read.
  version: 'version',
  timestamps: true,
})

export const Refund = defineModel({
  name: 'Refund',
  table: 'payments',
  attributes: {
    paymentId: string().required(),
    id: string().required(),
    amount: number().required(),
    currency: enumeration(currencies).required(),
    reason: string(),
  },
  key: { pk: 'PAYMENT#{paymentId}', sk: 'REFUND#{id}' },
  timestamps: true,
})

/** Name of the GSI on the card number's beacon ("payments with this card"). */
export const CARD_INDEX = 'byCard'
/** Attribute the encryption layer stores the card number's beacon in. */
export const CARD_BEACON_ATTRIBUTE = 'cardNumberBeacon'
