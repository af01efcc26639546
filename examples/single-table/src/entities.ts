// Four entities in one table. Partners and their customers share a partition; a payment and its
// refunds share another; gsi1 is overloaded (a customer's payments and refunds, by time), gsi2 lists
// payments by status, and gsi3 is sparse: only disputed payments are in it.
import { date, defineModel, enumeration, number, string } from '@dynamorm/core'

const currency = () => enumeration(['EUR', 'USD', 'GBP']).required()
const minorUnits = () =>
  number()
    .required()
    .validate((value) => (Number.isSafeInteger(value) && value > 0) || 'must be a positive integer')

export const Partner = defineModel({
  name: 'Partner',
  table: 'ledger',
  attributes: {
    partnerId: string().required(),
    name: string().required(),
    country: string().required(),
  },
  key: { pk: 'PARTNER#{partnerId}', sk: 'PROFILE' },
  timestamps: true,
})

export const Customer = defineModel({
  name: 'Customer',
  table: 'ledger',
  attributes: {
    partnerId: string().required(),
    customerId: string().required(),
    name: string().required(),
    email: string().required(),
  },
  key: { pk: 'PARTNER#{partnerId}', sk: 'CUSTOMER#{customerId}' },
  timestamps: true,
})

export const Payment = defineModel({
  name: 'Payment',
  table: 'ledger',
  attributes: {
    partnerId: string().required(),
    paymentId: string().required(),
    customerId: string().required(),
    amount: minorUnits(),
    currency: currency(),
    status: enumeration(['AUTHORIZED', 'CAPTURED', 'REFUNDED', 'FAILED']).required(),
    paidAt: date().required(),
    refundedAmount: number().default(0),
    disputedAt: date(),
  },
  key: { pk: 'PAYMENT#{partnerId}#{paymentId}', sk: 'PAYMENT' },
  indexes: {
    byCustomer: {
      type: 'gsi',
      indexName: 'gsi1',
      pk: 'CUSTOMER#{partnerId}#{customerId}',
      sk: 'AT#{paidAt}',
    },
    byStatus: { type: 'gsi', indexName: 'gsi2', pk: 'STATUS#{partnerId}#{status}', sk: 'AT#{paidAt}' },
    // Sparse: a payment without disputedAt gets no gsi3 keys, so the index holds only disputes.
    disputes: {
      type: 'gsi',
      indexName: 'gsi3',
      pk: 'DISPUTE#{partnerId}',
      sk: 'AT#{disputedAt}',
      sparse: true,
    },
  },
  version: 'version',
  timestamps: true,
})

export const Refund = defineModel({
  name: 'Refund',
  table: 'ledger',
  attributes: {
    partnerId: string().required(),
    paymentId: string().required(),
    refundId: string().required(),
    customerId: string().required(),
    amount: minorUnits(),
    currency: currency(),
    refundedAt: date().required(),
  },
  key: { pk: 'PAYMENT#{partnerId}#{paymentId}', sk: 'REFUND#{refundId}' },
  indexes: {
    // Same index and key shape as Payment's byCustomer: a customer's activity in one partition.
    byCustomer: {
      type: 'gsi',
      indexName: 'gsi1',
      pk: 'CUSTOMER#{partnerId}#{customerId}',
      sk: 'AT#{refundedAt}',
    },
  },
  timestamps: true,
})
