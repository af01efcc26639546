// The benchmark's Payment as a core model: the same attributes, keys and timestamps as the peers'.
import { defineModel, enumeration, list, map, number, string } from '@dynamorm/core'

export const corePayment = defineModel({
  name: 'Payment',
  table: 'payments',
  attributes: {
    partnerId: string().required(),
    id: string().required(),
    amount: number().required(),
    currency: string().required(),
    status: enumeration(['PENDING', 'AUTHORIZED', 'SETTLED', 'REFUNDED']).required(),
    cardLast4: string(),
    tags: list(string()),
    metadata: map({ channel: string(), reference: string() }),
  },
  key: { pk: 'PARTNER#{partnerId}', sk: 'PAYMENT#{id}' },
  timestamps: true,
})
