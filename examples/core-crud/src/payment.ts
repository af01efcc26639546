// The one model of this example: a partner's payment, versioned for optimistic locking and timestamped.
import { defineModel, enumeration, number, string } from '@dynamorm/core'

export const Payment = defineModel({
  name: 'Payment',
  table: 'payments',
  attributes: {
    partnerId: string().required(),
    id: string().required(),
    // Minor units (cents): money is never a float.
    amount: number()
      .required()
      .validate((value) => (Number.isSafeInteger(value) && value > 0) || 'amount must be a positive integer'),
    currency: enumeration(['EUR', 'USD', 'GBP']).default('EUR'),
    status: enumeration(['PENDING', 'AUTHORIZED', 'CAPTURED', 'CANCELLED']).required(),
    reference: string(),
  },
  key: { pk: 'PARTNER#{partnerId}', sk: 'PAYMENT#{id}' },
  version: 'version',
  timestamps: true,
})
