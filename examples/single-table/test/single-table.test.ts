import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { ScanCommand } from '@aws-sdk/client-dynamodb'
import { createDb, type Db, isDynamormError, unmarshallItem } from '@dynamorm/core'
import { localDynamoClient } from '@dynamorm/testing'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { customerPayments, partnerCustomers, paymentWithRefunds, refundsOf } from '../src/access-patterns.ts'
import { Customer, Payment } from '../src/entities.ts'
import { createLedgerTable, type LedgerTable } from '../src/ledger-table.ts'
import { runLedgerTour, type TourResult } from '../src/ledger-tour.ts'
import { refundPayment } from '../src/ledger-writes.ts'
import { day } from '../src/sample-ledger.ts'

const client = localDynamoClient(inject('dynamoEndpoint'))
let table: LedgerTable
let db: Db
let tour: TourResult
const lines: string[] = []

beforeAll(async () => {
  table = await createLedgerTable(client, `single-table-${randomBytes(4).toString('hex')}`)
  db = createDb({ client, tableName: (logical) => (logical === 'ledger' ? table.name : logical) })
  tour = await runLedgerTour(db.forRequest(), (line) => lines.push(line))
})
afterAll(() => table.delete())

async function scanIndex(indexName: string) {
  const { Items = [] } = await client.send(new ScanCommand({ TableName: table.name, IndexName: indexName }))
  return Items.map((item) => unmarshallItem(item))
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error as Error & { status: number; details: Record<string, unknown> },
  )

describe('access patterns over the sample ledger', () => {
  it("lists a partner's customers, and only that partner's", () => {
    expect(tour.customers).toEqual(['cus-ada (Ada)', 'cus-grace (Grace)'])
    expect(tour.globexCustomers).toEqual(['cus-ada (Ada G.)'])
  })

  it("lists a customer's payments newest first, filtering out the refunds that share gsi1", () => {
    expect(tour.adaPayments).toEqual([
      'pay-6 2025-03-09',
      'pay-4 2025-03-06',
      'pay-2 2025-03-03',
      'pay-1 2025-03-01',
    ])
    // gsi1's partition for cus-ada holds 4 payments and 3 refunds: 7 read, 4 returned.
    expect(tour.adaPaymentsScanned).toBe(7)
    expect(tour.adaRefunds).toEqual(['ref-3 (50)', 'ref-2 (1000)', 'ref-1 (200)'])
    expect(tour.adaPaymentsFirstPage).toEqual(['pay-6', 'pay-4'])
    expect(lines).toContain(`${'  page 1 (limit 2), page 2'.padEnd(38)} pay-6 pay-4, pay-2 pay-1`)
  })

  it('lists payments by status through gsi2, following status changes, with a time range', () => {
    expect(tour.captured).toEqual(['pay-6', 'pay-3', 'pay-2'])
    expect(tour.capturedSince).toEqual(['pay-6', 'pay-3'])
    // pay-1 was refunded in full: its gsi2 key moved from CAPTURED to REFUNDED.
    expect(tour.refunded).toEqual(['pay-1 (1200)'])
  })

  it('lists the refunds of a payment from its own partition', () => {
    expect(tour.refundsOfPay1).toEqual(['ref-1 (200)', 'ref-2 (1000)'])
  })

  it('reads a payment with its refunds in one consistent Query of its partition (an item collection)', async () => {
    expect(tour.pay1WithRefunds).toEqual(['pay-1 REFUNDED (refunded 1200)', 'ref-1 (200)', 'ref-2 (1000)'])
    const reader = db.forRequest()
    const pay2 = await paymentWithRefunds(reader, 'acme', 'pay-2')
    expect(pay2.items.payment.map((p) => p.paymentId)).toEqual(['pay-2'])
    expect(pay2.items.refunds.map((r) => `${r.refundId} (${r.amount})`)).toEqual(['ref-3 (50)'])
    // One call; two small items read consistently cost 1 RCU (0.5 if not).
    expect(reader.meter.totals()).toMatchObject({ calls: 1, readCapacityUnits: 1 })
  })

  it('keeps only disputed payments in the sparse gsi3', async () => {
    expect(tour.disputed).toEqual(['pay-6', 'pay-3'])
    const indexed = await scanIndex('gsi3')
    expect(indexed.map((item) => item.paymentId).sort()).toEqual(['pay-3', 'pay-6'])
    // gsi1 holds every payment and refund (6 acme + 1 globex payments, 3 refunds); gsi2 only payments.
    expect(await scanIndex('gsi1')).toHaveLength(10)
    expect((await scanIndex('gsi2')).every((item) => item.__entity === 'Payment')).toBe(true)
  })

  it('prints one line per access pattern', () => {
    expect(lines).toHaveLength(11)
    expect(lines[0]).toMatch(/^acme's customers +cus-ada \(Ada\), cus-grace \(Grace\) {2}\[read 2, kept 2\]$/)
  })
})

describe('refunds', () => {
  async function capturedPayment(partnerId: string, paymentId: string, amount = 1000) {
    await db.model(Payment).create({
      partnerId,
      paymentId,
      customerId: 'cus-1',
      amount,
      currency: 'EUR',
      status: 'CAPTURED',
      paidAt: day(1),
    })
  }

  it('adds up partial refunds and moves the payment to REFUNDED at the last one', async () => {
    await capturedPayment('refunds', 'p-partial')
    const request = { partnerId: 'refunds', paymentId: 'p-partial', refundedAt: day(2) }
    await refundPayment(db.forRequest(), { ...request, refundId: 'r1', amount: 400 })
    const partly = await db.model(Payment).getOrThrow({ partnerId: 'refunds', paymentId: 'p-partial' })
    expect(partly).toMatchObject({ status: 'CAPTURED', refundedAmount: 400, version: 2 })
    await refundPayment(db.forRequest(), { ...request, refundId: 'r2', amount: 600 })
    const full = await db.model(Payment).getOrThrow({ partnerId: 'refunds', paymentId: 'p-partial' })
    expect(full).toMatchObject({ status: 'REFUNDED', refundedAmount: 1000, version: 3 })
    const refunds = await refundsOf(db, 'refunds', 'p-partial')
    expect(refunds.items.map((refund) => refund.amount)).toEqual([400, 600])
  })

  it('refuses more than the remaining amount (422) and a payment not captured (409), writing nothing', async () => {
    await capturedPayment('refunds', 'p-over', 500)
    const request = { partnerId: 'refunds', paymentId: 'p-over', refundedAt: day(2) }
    const over = await rejection(refundPayment(db.forRequest(), { ...request, refundId: 'r1', amount: 501 }))
    expect(isDynamormError(over, 'RefundExceedsPaymentError')).toBe(true)
    expect(over.status).toBe(422)
    expect(over.details).toEqual({ paymentId: 'p-over', remaining: 500 })
    await refundPayment(db.forRequest(), { ...request, refundId: 'r1', amount: 500 })
    const again = await rejection(refundPayment(db.forRequest(), { ...request, refundId: 'r2', amount: 1 }))
    expect(isDynamormError(again, 'RefundNotAllowedError')).toBe(true)
    expect(again.status).toBe(409)
    expect((await refundsOf(db, 'refunds', 'p-over')).items).toHaveLength(1)
  })

  it('lets only one of two concurrent refunds spend the same remaining amount', async () => {
    await capturedPayment('refunds', 'p-race', 800)
    const request = { partnerId: 'refunds', paymentId: 'p-race', amount: 800, refundedAt: day(3) }
    const outcomes = await Promise.allSettled([
      refundPayment(db.forRequest(), { ...request, refundId: 'ra' }),
      refundPayment(db.forRequest(), { ...request, refundId: 'rb' }),
    ])
    const failed = outcomes.filter((outcome) => outcome.status === 'rejected')
    expect(failed).toHaveLength(1)
    const reason = (failed[0] as PromiseRejectedResult).reason
    // Either the second read saw REFUNDED, or both read version 1 and the transaction's version check failed.
    expect(['RefundNotAllowedError', 'TransactionCancelledError']).toContain(reason.name)
    if (reason.name === 'TransactionCancelledError') {
      expect(reason.reasons.find((r: { code: string }) => r.code !== 'None').label).toBe(
        'payment-refunded-total',
      )
    }
    expect((await refundsOf(db, 'refunds', 'p-race')).items).toHaveLength(1)
    const payment = await db.model(Payment).getOrThrow({ partnerId: 'refunds', paymentId: 'p-race' })
    expect(payment).toMatchObject({ refundedAmount: 800, status: 'REFUNDED' })
  })

  it('refuses a refund id used before, and a missing payment (404)', async () => {
    await capturedPayment('refunds', 'p-dup')
    const request = { partnerId: 'refunds', paymentId: 'p-dup', refundedAt: day(2), amount: 10 }
    await refundPayment(db.forRequest(), { ...request, refundId: 'r1' })
    const duplicate = await rejection(refundPayment(db.forRequest(), { ...request, refundId: 'r1' }))
    expect(isDynamormError(duplicate, 'TransactionCancelledError')).toBe(true)
    const reasons = (duplicate as unknown as { reasons: Array<{ code: string; label?: string }> }).reasons
    expect(reasons[0]).toMatchObject({ code: 'ConditionalCheckFailed', label: 'refund' })
    const payment = await db.model(Payment).getOrThrow({ partnerId: 'refunds', paymentId: 'p-dup' })
    expect(payment.refundedAmount).toBe(10)
    const missing = await rejection(
      refundPayment(db.forRequest(), { ...request, paymentId: 'nope', refundId: 'r' }),
    )
    expect(isDynamormError(missing, 'NotFoundError')).toBe(true)
    expect(missing.status).toBe(404)
  })
})

describe('bad input', () => {
  it('rejects key values holding the delimiter and missing partition keys before sending', async () => {
    const requestDb = db.forRequest()
    const forged = await rejection(
      requestDb.model(Customer).create({ partnerId: 'acme#x', customerId: 'c', name: 'n', email: 'e' }),
    )
    expect(isDynamormError(forged, 'ValidationError')).toBe(true)
    const noCustomer = await rejection(customerPayments(requestDb, 'acme', undefined as never))
    expect(noCustomer.message).toMatch(/partition key value customerId/)
    const noPartner = await rejection(partnerCustomers(requestDb, '' as never))
    expect(isDynamormError(noPartner, 'ValidationError')).toBe(true)
    expect(requestDb.meter.calls).toBe(0)
  })

  it('rejects payments with bad amounts or currencies', async () => {
    const payment = {
      partnerId: 'acme',
      paymentId: 'bad',
      customerId: 'c',
      amount: 10,
      currency: 'EUR' as const,
      status: 'CAPTURED' as const,
      paidAt: day(1),
    }
    for (const bad of [{ amount: -5 }, { amount: 1.5 }, { currency: 'BTC' }, { paidAt: new Date('nope') }]) {
      const error = await rejection(db.model(Payment).create({ ...payment, ...bad } as never))
      expect(isDynamormError(error, 'ValidationError')).toBe(true)
    }
  })
})

describe('pnpm start', () => {
  it('runs the tour against a DynamoDB Local of its own and exits 0', async () => {
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
    const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=source', main], {
      timeout: 60_000,
    })
    expect(stdout.trim().split('\n')).toEqual(lines)
  }, 90_000)
})
