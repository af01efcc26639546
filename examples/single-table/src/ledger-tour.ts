// What `pnpm start` prints: each access pattern over the sample ledger, with what the query read
// (scanned) against what it returned, so the entity filter is visible.
import type { Db, Page } from '@dynamorm/core'
import {
  customerPayments,
  customerRefunds,
  disputedPayments,
  partnerCustomers,
  paymentsByStatus,
  paymentWithRefunds,
  refundsOf,
} from './access-patterns.ts'
import { day, seedLedger } from './sample-ledger.ts'

export interface TourResult {
  customers: string[]
  adaPayments: string[]
  adaPaymentsFirstPage: string[]
  adaRefunds: string[]
  captured: string[]
  capturedSince: string[]
  refunded: string[]
  refundsOfPay1: string[]
  /** pay-1 and its refunds from one Query of its partition (an item collection). */
  pay1WithRefunds: string[]
  disputed: string[]
  globexCustomers: string[]
  /** Items DynamoDB read for Ada's payments on gsi1 (payments and refunds), against those returned. */
  adaPaymentsScanned: number
}

const ids = <T>(page: Page<T>, id: (item: T) => string) => page.items.map(id)

export async function runLedgerTour(db: Db, say: (line: string) => void = () => {}): Promise<TourResult> {
  await seedLedger(db)
  const show = (label: string, values: string[], page?: Page<unknown>) =>
    say(
      `${label.padEnd(38)} ${values.join(', ') || '(none)'}${page ? `  [read ${page.scannedCount}, kept ${page.count}]` : ''}`,
    )

  const customersPage = await partnerCustomers(db, 'acme')
  const customers = ids(customersPage, (c) => `${c.customerId} (${c.name})`)
  show("acme's customers", customers, customersPage)

  const adaPage = await customerPayments(db, 'acme', 'cus-ada')
  const adaPayments = ids(adaPage, (p) => `${p.paymentId} ${p.paidAt.toISOString().slice(0, 10)}`)
  show("cus-ada's payments, newest first", adaPayments, adaPage)

  const firstPage = await customerPayments(db, 'acme', 'cus-ada', { limit: 2 })
  const secondPage = await customerPayments(db, 'acme', 'cus-ada', { limit: 2, cursor: firstPage.cursor })
  show('  page 1 (limit 2), page 2', [
    ids(firstPage, (p) => p.paymentId).join(' '),
    ids(secondPage, (p) => p.paymentId).join(' '),
  ])

  const adaRefunds = ids(await customerRefunds(db, 'acme', 'cus-ada'), (r) => `${r.refundId} (${r.amount})`)
  show("cus-ada's refunds, newest first", adaRefunds)

  const captured = ids(await paymentsByStatus(db, 'acme', 'CAPTURED'), (p) => p.paymentId)
  show('CAPTURED payments, newest first', captured)
  const capturedSince = ids(await paymentsByStatus(db, 'acme', 'CAPTURED', day(4)), (p) => p.paymentId)
  show('CAPTURED since 2025-03-04', capturedSince)
  const refunded = ids(
    await paymentsByStatus(db, 'acme', 'REFUNDED'),
    (p) => `${p.paymentId} (${p.refundedAmount})`,
  )
  show('REFUNDED payments', refunded)

  const refundsPage = await refundsOf(db, 'acme', 'pay-1')
  const refundsOfPay1 = ids(refundsPage, (r) => `${r.refundId} (${r.amount})`)
  show('refunds of pay-1', refundsOfPay1, refundsPage)

  const pay1 = await paymentWithRefunds(db, 'acme', 'pay-1')
  const pay1WithRefunds = [
    ...pay1.items.payment.map((p) => `${p.paymentId} ${p.status} (refunded ${p.refundedAmount})`),
    ...pay1.items.refunds.map((r) => `${r.refundId} (${r.amount})`),
  ]
  show('pay-1 with its refunds, one query', pay1WithRefunds)

  const disputed = ids(await disputedPayments(db, 'acme'), (p) => p.paymentId)
  show('disputed payments (sparse gsi3)', disputed)

  const globexCustomers = ids(await partnerCustomers(db, 'globex'), (c) => `${c.customerId} (${c.name})`)
  show("globex's customers", globexCustomers)

  return {
    customers,
    adaPayments,
    adaPaymentsFirstPage: ids(firstPage, (p) => p.paymentId),
    adaRefunds,
    captured,
    capturedSince,
    refunded,
    refundsOfPay1,
    pay1WithRefunds,
    disputed,
    globexCustomers,
    adaPaymentsScanned: adaPage.scannedCount,
  }
}
