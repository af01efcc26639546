import { describe, expectTypeOf, it } from 'vitest'
import { type Db, type ItemOf, itemCollection } from '../src/index.ts'
import { Payment, Refund } from './fixtures.ts'

declare const db: Db
// The test file's order and its lines (type only: nothing of it runs here).
declare const Order: typeof import('./collection.test.ts').Order
declare const OrderLine: typeof import('./collection.test.ts').OrderLine

describe('item collection types', () => {
  const collection = itemCollection(db, { payments: Payment, refunds: Refund })

  it('types each member’s items by its own model, every member present', async () => {
    const page = await collection.query({ partnerId: 'p1' })
    expectTypeOf(page.items.payments).toEqualTypeOf<ItemOf<typeof Payment>[]>()
    expectTypeOf(page.items.refunds).toEqualTypeOf<ItemOf<typeof Refund>[]>()
    expectTypeOf(page.cursor).toEqualTypeOf<string | undefined>()
    expectTypeOf(page.count).toEqualTypeOf<number>()
    // @ts-expect-error no such member
    page.items.notes
  })

  it('narrows each member’s items to a projection of any member’s plain attributes', async () => {
    const page = await collection.query({ partnerId: 'p1' }, { projection: ['id', 'amount', 'paymentId'] })
    expectTypeOf(page.items.payments).toEqualTypeOf<Pick<ItemOf<typeof Payment>, 'id' | 'amount'>[]>()
    expectTypeOf(page.items.refunds).toEqualTypeOf<
      Pick<ItemOf<typeof Refund>, 'id' | 'amount' | 'paymentId'>[]
    >()
    // @ts-expect-error encrypted attributes cannot be projected
    await collection.query({ partnerId: 'p1' }, { projection: ['cardNumber'] })
    // @ts-expect-error no member has it
    await collection.query({ partnerId: 'p1' }, { projection: ['nope'] })
  })

  it('takes the partition-key values and nothing else as the key', async () => {
    await collection.query({ partnerId: 'p1' }, { consistent: true, limit: 10, order: 'desc', pages: 'all' })
    // @ts-expect-error the partition-key value is required
    await collection.query({})
    // @ts-expect-error wrong type
    await collection.query({ partnerId: 1 })
    // @ts-expect-error a sort-key value is no part of a collection key
    await collection.query({ partnerId: 'p1', id: 'pay-1' })
    const order = itemCollection(db, { order: Order, lines: OrderLine })
    await order.query({ id: 'o1' })
    await order.query({ orderId: 'o1' })
    // @ts-expect-error neither member's partition key
    await order.query({ line: 1 })
  })

  it('refuses a member that is not a model and an unknown or mistyped option', async () => {
    // @ts-expect-error not a model
    itemCollection(db, { payments: Payment, other: { name: 'Other' } })
    // @ts-expect-error unknown option
    await collection.query({ partnerId: 'p1' }, { index: 'byStatus' })
    // @ts-expect-error consistent is a boolean
    await collection.query({ partnerId: 'p1' }, { consistent: 'yes' })
  })
})
