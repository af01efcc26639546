// The inputs every side builds requests from: the same payments, the same refund update, the same
// partner query. A pool of payments (not one) so no side profits from seeing one object forever.

export type PaymentStatus = 'PENDING' | 'AUTHORIZED' | 'SETTLED' | 'REFUNDED'

export interface PaymentInput {
  partnerId: string
  id: string
  amount: number
  currency: string
  status: PaymentStatus
  cardLast4: string
  tags: string[]
  metadata: { channel: string; reference: string }
}

export interface PaymentKey {
  partnerId: string
  id: string
}

export const table = 'payments'
export const poolSize = 16

export const payments: readonly PaymentInput[] = Array.from({ length: poolSize }, (_, index) => ({
  partnerId: `partner-${100 + (index % 4)}`,
  id: `pay-${(0x7f3a00 + index).toString(16)}`,
  amount: 1250 + index,
  currency: 'EUR',
  status: 'SETTLED',
  cardLast4: '4242',
  tags: ['card', 'ecommerce'],
  metadata: { channel: 'web', reference: `order-${1189 + index}` },
}))

export const keys: readonly PaymentKey[] = payments.map(({ partnerId, id }) => ({ partnerId, id }))

/**
 * A partial refund, five actions: set status, add to amount, remove the card digits, append a tag,
 * default the currency (if_not_exists); only when the payment is settled and covers the refund.
 */
export const refund = {
  status: 'REFUNDED' as PaymentStatus,
  amountDelta: -250,
  removed: 'cardLast4' as const,
  appendedTags: ['refund'],
  defaultCurrency: 'EUR',
  requiredStatus: 'SETTLED' as PaymentStatus,
  minimumAmount: 250,
}

/** Settled payments of a partner of at least 100, four attributes back. */
export const partnerQuery = {
  status: 'SETTLED' as PaymentStatus,
  minimumAmount: 100,
  attributes: ['id', 'amount', 'status', 'createdAt'] as const,
}

/** The physical keys every side must produce for a payment. */
export const expectedKey = (key: PaymentKey): { pk: string; sk: string } => ({
  pk: `PARTNER#${key.partnerId}`,
  sk: `PAYMENT#${key.id}`,
})
