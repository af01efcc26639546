// What is imported: a partner's settled payments from another system (no version: an import writes
// each payment once, and batch writes carry no conditions).
import { date, defineModel, enumeration, number, string } from '@dynamorm/core'

export const Payment = defineModel({
  name: 'Payment',
  table: 'payments',
  attributes: {
    partnerId: string().required(),
    id: string().required(),
    amount: number()
      .required()
      .validate((value) => (Number.isSafeInteger(value) && value > 0) || 'amount must be a positive integer'),
    currency: enumeration(['EUR', 'USD', 'GBP']).required(),
    status: enumeration(['CAPTURED', 'REFUNDED', 'FAILED']).required(),
    paidAt: date().required(),
  },
  key: { pk: 'PARTNER#{partnerId}', sk: 'PAYMENT#{id}' },
  timestamps: true,
})

/** `count` payments of one partner, the same on every run (ids `imp-00001`...). */
export function samplePayments(count: number, partnerId = 'acme'): Record<string, unknown>[] {
  const currencies = ['EUR', 'USD', 'GBP'] as const
  const statuses = ['CAPTURED', 'CAPTURED', 'CAPTURED', 'REFUNDED', 'FAILED'] as const
  return Array.from({ length: count }, (_, index) => ({
    partnerId,
    id: `imp-${String(index + 1).padStart(5, '0')}`,
    amount: 100 + ((index * 7919) % 99_900),
    currency: currencies[index % currencies.length],
    status: statuses[index % statuses.length],
    paidAt: new Date(Date.UTC(2025, 0, 1) + index * 60_000),
  }))
}
