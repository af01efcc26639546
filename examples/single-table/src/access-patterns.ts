// Every read the ledger needs, each one Query on the table or an index (never a scan). Each returns
// only the entity asked for: core adds `__entity = <name>` to the filter, because entities share
// partitions and index keys here; an item collection returns the entities it names, each apart.
import { type Db, itemCollection } from '@dynamorm/core'
import { Customer, Payment, Refund } from './entities.ts'

export interface PageOptions {
  limit?: number
  cursor?: string
}

/** A partner's customers (the partner's own profile shares the partition and is left out by key). */
export function partnerCustomers(db: Db, partnerId: string) {
  return db.model(Customer).query({ partnerId }, { pages: 'all' })
}

/** A customer's payments, newest first, a page at a time (gsi1; the customer's refunds are filtered out). */
export function customerPayments(db: Db, partnerId: string, customerId: string, page: PageOptions = {}) {
  return db
    .model(Payment)
    .query(
      { partnerId, customerId },
      { index: 'byCustomer', order: 'desc', limit: page.limit, cursor: page.cursor },
    )
}

/** A customer's refunds, newest first: the same gsi1 partition, the other entity. */
export function customerRefunds(db: Db, partnerId: string, customerId: string) {
  return db
    .model(Refund)
    .query({ partnerId, customerId }, { index: 'byCustomer', order: 'desc', pages: 'all' })
}

/** A partner's payments in one status, newest first, optionally only those paid since a time (gsi2). */
export function paymentsByStatus(
  db: Db,
  partnerId: string,
  status: 'AUTHORIZED' | 'CAPTURED' | 'REFUNDED' | 'FAILED',
  since?: Date,
) {
  return db.model(Payment).query(
    { partnerId, status },
    {
      index: 'byStatus',
      order: 'desc',
      pages: 'all',
      range: since ? { ge: { paidAt: since } } : undefined,
    },
  )
}

/** The refunds of one payment: its own partition, where the payment item sits too. */
export function refundsOf(db: Db, partnerId: string, paymentId: string) {
  return db.model(Refund).query({ partnerId, paymentId }, { pages: 'all' })
}

/**
 * A payment with its refunds: one consistent Query of the payment's partition, both entities (an item
 * collection), so the refunds listed are the ones its refundedAmount counts.
 */
export function paymentWithRefunds(db: Db, partnerId: string, paymentId: string) {
  return itemCollection(db, { payment: Payment, refunds: Refund }).query(
    { partnerId, paymentId },
    { consistent: true, pages: 'all' },
  )
}

/** A partner's disputed payments, latest dispute first (gsi3 is sparse: it holds nothing else). */
export function disputedPayments(db: Db, partnerId: string) {
  return db.model(Payment).query({ partnerId }, { index: 'disputes', order: 'desc', pages: 'all' })
}
