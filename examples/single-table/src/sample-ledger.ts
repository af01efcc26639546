// The data the tour runs on: two partners (to show their partitions never mix), customers, payments
// on consecutive days, refunds and a dispute.
import type { Db } from '@dynamorm/core'
import { Customer, Partner, Payment } from './entities.ts'
import { disputePayment, refundPayment } from './ledger-writes.ts'

/** Day `n` of March 2025, at noon UTC. */
export const day = (n: number) => new Date(Date.UTC(2025, 2, n, 12))

type Status = 'AUTHORIZED' | 'CAPTURED' | 'FAILED'
const payments: Array<
  [paymentId: string, customerId: string, amount: number, status: Status, paidOn: number]
> = [
  ['pay-1', 'cus-ada', 1200, 'CAPTURED', 1],
  ['pay-2', 'cus-ada', 450, 'CAPTURED', 3],
  ['pay-3', 'cus-grace', 9900, 'CAPTURED', 4],
  ['pay-4', 'cus-ada', 300, 'FAILED', 6],
  ['pay-5', 'cus-grace', 2500, 'AUTHORIZED', 7],
  ['pay-6', 'cus-ada', 800, 'CAPTURED', 9],
]

export async function seedLedger(db: Db): Promise<void> {
  await db.model(Partner).create({ partnerId: 'acme', name: 'Acme Payments', country: 'DE' })
  await db.model(Partner).create({ partnerId: 'globex', name: 'Globex', country: 'US' })
  const customers = db.model(Customer)
  await customers.create({ partnerId: 'acme', customerId: 'cus-ada', name: 'Ada', email: 'ada@example.com' })
  await customers.create({
    partnerId: 'acme',
    customerId: 'cus-grace',
    name: 'Grace',
    email: 'grace@example.com',
  })
  await customers.create({
    partnerId: 'globex',
    customerId: 'cus-ada',
    name: 'Ada G.',
    email: 'ada@globex.test',
  })
  for (const [paymentId, customerId, amount, status, paidOn] of payments) {
    await db.model(Payment).create({
      partnerId: 'acme',
      paymentId,
      customerId,
      amount,
      currency: 'EUR',
      status,
      paidAt: day(paidOn),
    })
  }
  await db.model(Payment).create({
    partnerId: 'globex',
    paymentId: 'pay-1',
    customerId: 'cus-ada',
    amount: 7000,
    currency: 'USD',
    status: 'CAPTURED',
    paidAt: day(2),
  })
  await refundPayment(db, {
    partnerId: 'acme',
    paymentId: 'pay-1',
    refundId: 'ref-1',
    amount: 200,
    refundedAt: day(5),
  })
  await refundPayment(db, {
    partnerId: 'acme',
    paymentId: 'pay-1',
    refundId: 'ref-2',
    amount: 1000,
    refundedAt: day(8),
  })
  await refundPayment(db, {
    partnerId: 'acme',
    paymentId: 'pay-2',
    refundId: 'ref-3',
    amount: 50,
    refundedAt: day(10),
  })
  await disputePayment(db, 'acme', 'pay-3', day(11))
  await disputePayment(db, 'acme', 'pay-6', day(12))
}
