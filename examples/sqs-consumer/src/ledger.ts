// What a settlement event changes: the settlement itself, and the merchant's balance (a counter: a
// second application of the same event would credit it twice, which is what idempotency prevents).
import { defineModel, enumeration, number, string } from '@dynamorm/core'

export const Settlement = defineModel({
  name: 'Settlement',
  table: 'ledger',
  attributes: {
    paymentId: string().required(),
    merchantId: string().required(),
    eventId: string().required(),
    amount: number().required(),
    currency: enumeration(['EUR', 'USD', 'GBP']).required(),
  },
  key: { pk: 'PAYMENT#{paymentId}', sk: 'SETTLEMENT' },
  timestamps: true,
})

export const Balance = defineModel({
  name: 'Balance',
  table: 'ledger',
  attributes: {
    merchantId: string().required(),
    currency: enumeration(['EUR', 'USD', 'GBP']).required(),
    available: number().default(0),
  },
  key: { pk: 'MERCHANT#{merchantId}', sk: 'BALANCE#{currency}' },
  timestamps: true,
})
