// The partner-side model the handler writes: it lives in each partner's own `payments` table.
import { defineModel, enumeration, number, string } from '@dynamorm/core'

export const Payment = defineModel({
  name: 'Payment',
  table: 'payments',
  attributes: {
    id: string().required(),
    amount: number()
      .required()
      .validate((value) => (Number.isSafeInteger(value) && value > 0) || 'amount must be a positive integer'),
    currency: enumeration(['EUR', 'USD', 'GBP']).default('EUR'),
  },
  key: { pk: 'PAYMENT#{id}', sk: 'PAYMENT' },
  timestamps: true,
})
