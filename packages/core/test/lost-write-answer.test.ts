// A conditional write DynamoDB applied whose answer was lost (the fault proxy's dropResponse): the SDK
// sends it again and the resend is refused by the very item the first copy wrote. That refusal is this
// call's own success when the item is exactly what it wrote, and never when another writer's item is.
import { type DynamoFaultProxy, localDynamoClient, startDynamoFaultProxy } from '@dynamorm/testing'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createDb, type Db, isDynamormError } from '../src/index.ts'
import { newPayment, Payment, paymentsTableForFile, Refund, uniqueId } from './fixtures.ts'

const env = paymentsTableForFile()
let proxy: DynamoFaultProxy
let db: Db

beforeAll(async () => {
  proxy = await startDynamoFaultProxy(env.endpoint)
  // The SDK's default retry of a network error is what resends the write.
  db = createDb({
    client: localDynamoClient(proxy.endpoint, { maxAttempts: 3 }),
    tableName: (logical) => (logical === 'payments' ? env.table.name : logical),
  })
})
afterAll(() => proxy.close())
afterEach(() => proxy.faults.reset())

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error as Error & { status: number; details: Record<string, unknown> },
  )
const keyOf = (payment: { id: string }) => ({ partnerId: 'p1', id: payment.id })
const stored = (payment: { id: string }) => env.db.model(Payment).get(keyOf(payment), { consistent: true })

/** Loses the answer of the next `operation`: it lands, the SDK sees a network error and resends it. */
function loseNextAnswer(operation: string): () => number {
  proxy.faults.set({ dropResponse: 1, operation })
  const before = proxy.calls(operation)
  return () => proxy.calls(operation) - before
}

describe('create and put whose answer is lost', () => {
  it('create answers the item it created, not ConditionFailedError "already exists"', async () => {
    const input = newPayment({ card: { last4: '4242' }, tags: new Set(['a', 'b', 'c']), exact: '12.50' })
    const sent = loseNextAnswer('PutItem')
    const created = await db.model(Payment).create(input)
    expect(sent()).toBe(2)
    expect(created).toMatchObject({ ...input, version: 1 })
    // DynamoDB stored the decimal in its own form; the item is still found to be this call's.
    expect(await stored(input)).toEqual({ ...created, exact: '12.5' })
  })

  it('put at a version answers the replaced item, not OptimisticLockError', async () => {
    const first = await db.model(Payment).create(newPayment())
    const sent = loseNextAnswer('PutItem')
    const replaced = await db.model(Payment).put({ ...first, status: 'AUTHORIZED' })
    expect(sent()).toBe(2)
    expect(replaced).toMatchObject({ status: 'AUTHORIZED', version: 2 })
    expect(await stored(first)).toEqual(replaced)
  })

  it('put with a where answers the replaced item, not ConditionFailedError', async () => {
    const refund = { partnerId: 'p1', id: uniqueId('refund'), paymentId: 'pay-1', amount: 5 }
    await db.model(Refund).create(refund)
    const sent = loseNextAnswer('PutItem')
    const replaced = await db.model(Refund).put({ ...refund, amount: 3 }, { where: (c) => c.eq('amount', 5) })
    expect(sent()).toBe(2)
    expect(replaced).toMatchObject({ amount: 3 })
  })

  it('a create refused by the same item on its first attempt is still refused', async () => {
    // Same values, same millisecond: only the attempt count tells a duplicate from a lost answer.
    const input = newPayment()
    const now = new Date()
    await db.model(Payment).create(input, { now })
    const error = await rejection(db.model(Payment).create(input, { now }))
    expect(isDynamormError(error, 'ConditionFailedError')).toBe(true)
    expect(error.details.outcome).toBeUndefined()
  })

  it('a create resent and refused by another writer’s item stays refused, its outcome unknown', async () => {
    const input = newPayment()
    await db.model(Payment).create({ ...input, amount: 999 })
    // The first copy fails with a 500 and is resent: the resend meets an item this call did not write.
    proxy.faults.set({ serverError: 1, operation: 'PutItem' })
    const error = await rejection(db.model(Payment).create(input))
    expect(isDynamormError(error, 'ConditionFailedError')).toBe(true)
    expect(error.details.outcome).toBe('unknown')
    expect(error.message).toMatch(/earlier attempt/)
    expect((await stored(input))?.amount).toBe(999)
  })
})

describe('update whose answer is lost', () => {
  const payments = () => db.model(Payment)

  it('at a version answers the item as its first copy left it, not OptimisticLockError', async () => {
    const first = await payments().create(newPayment({ captured: false, meta: {} }))
    const sent = loseNextAnswer('UpdateItem')
    const updated = await payments().update(
      keyOf(first),
      {
        set: { status: 'AUTHORIZED', card: { last4: '4242' } },
        remove: ['captured'],
        setPaths: [[['meta', 'k'], 1]],
      },
      { expectedVersion: 1 },
    )
    expect(sent()).toBe(2)
    expect(updated).toMatchObject({
      status: 'AUTHORIZED',
      version: 2,
      card: { last4: '4242' },
      meta: { k: 1 },
    })
    expect(updated).not.toHaveProperty('captured')
    expect(await stored(first)).toEqual(updated)
  })

  it('with a where, and an upsert with a where, answers the updated item, not ConditionFailedError', async () => {
    const first = await payments().create(newPayment())
    const sent = loseNextAnswer('UpdateItem')
    const updated = await payments().update(
      keyOf(first),
      { set: { status: 'AUTHORIZED' } },
      { where: (c) => c.eq('status', 'PENDING') },
    )
    expect(sent()).toBe(2)
    expect(updated).toMatchObject({ status: 'AUTHORIZED', version: 2 })
    expect(await stored(first)).toEqual(updated)

    loseNextAnswer('UpdateItem')
    const upserted = await payments().update(
      keyOf(first),
      { set: { status: 'SETTLED', amount: 7 } },
      { upsert: true, where: (c) => c.eq('status', 'AUTHORIZED') },
    )
    expect(upserted).toMatchObject({ status: 'SETTLED', amount: 7, version: 3 })
  })

  it('asking UPDATED_NEW or NONE answers as its first copy would have', async () => {
    const first = await payments().create(newPayment())
    loseNextAnswer('UpdateItem')
    const updated = await payments().update(
      keyOf(first),
      { set: { status: 'AUTHORIZED' } },
      { expectedVersion: 1, returnValues: 'UPDATED_NEW' },
    )
    expect(updated).toMatchObject({ status: 'AUTHORIZED', version: 2 })
    expect(updated).not.toHaveProperty('amount')
    loseNextAnswer('UpdateItem')
    const none = await payments().update(
      keyOf(first),
      { set: { status: 'SETTLED' } },
      { expectedVersion: 2, returnValues: 'NONE' },
    )
    expect(none).toBeUndefined()
    expect(await stored(first)).toMatchObject({ status: 'SETTLED', version: 3 })
  })

  it('an add, or asking for the old item, stays refused with its outcome unknown', async () => {
    const first = await payments().create(newPayment())
    loseNextAnswer('UpdateItem')
    const added = await rejection(
      payments().update(keyOf(first), { add: { amount: 5 } }, { expectedVersion: 1 }),
    )
    expect(isDynamormError(added, 'OptimisticLockError')).toBe(true)
    expect(added.details).toMatchObject({ outcome: 'unknown', expectedVersion: 1, actualVersion: 2 })
    expect(added.message).toMatch(/earlier attempt may have landed/)
    expect((await stored(first))?.amount).toBe(1255)
    loseNextAnswer('UpdateItem')
    const old = await rejection(
      payments().update(
        keyOf(first),
        { set: { status: 'AUTHORIZED' } },
        { expectedVersion: 2, returnValues: 'ALL_OLD' },
      ),
    )
    expect(isDynamormError(old, 'OptimisticLockError')).toBe(true)
    expect(old.details.outcome).toBe('unknown')
  })

  it('a resend refused by another writer’s next version stays OptimisticLockError', async () => {
    const first = await payments().create(newPayment())
    await payments().update(keyOf(first), { set: { status: 'SETTLED' } }, { expectedVersion: 1 })
    // The first copy fails with a 500 (not applied) and is resent: version 2 is there, but not ours.
    proxy.faults.set({ serverError: 1, operation: 'UpdateItem' })
    const error = await rejection(
      payments().update(keyOf(first), { set: { status: 'AUTHORIZED' } }, { expectedVersion: 1 }),
    )
    expect(isDynamormError(error, 'OptimisticLockError')).toBe(true)
    expect(error.details.outcome).toBe('unknown')
    expect((await stored(first))?.status).toBe('SETTLED')
  })
})

describe('delete whose answer is lost', () => {
  it('at a version or mustExist meets no item: NotFoundError says the outcome is unknown', async () => {
    const payments = db.model(Payment)
    const first = await payments.create(newPayment())
    loseNextAnswer('DeleteItem')
    const versioned = await rejection(payments.delete(keyOf(first), { expectedVersion: 1 }))
    expect(isDynamormError(versioned, 'NotFoundError')).toBe(true)
    expect(versioned.details).toEqual({ outcome: 'unknown' })
    expect(versioned.message).toMatch(/earlier attempt may have landed/)
    expect(await stored(first)).toBeUndefined()

    const second = await payments.create(newPayment())
    loseNextAnswer('DeleteItem')
    const mustExist = await rejection(payments.delete(keyOf(second), { mustExist: true }))
    expect(isDynamormError(mustExist, 'NotFoundError')).toBe(true)
    expect(mustExist.details.outcome).toBe('unknown')
    // Sent once and refused, nothing is unknown: the item was not there.
    const once = await rejection(payments.delete(keyOf(second), { mustExist: true }))
    expect(isDynamormError(once, 'NotFoundError')).toBe(true)
    expect(once.details.outcome).toBeUndefined()
  })

  it('with a where meets no item: ConditionFailedError says the outcome is unknown', async () => {
    const first = await db.model(Payment).create(newPayment())
    loseNextAnswer('DeleteItem')
    const error = await rejection(
      db.model(Payment).delete(keyOf(first), { where: (c) => c.eq('status', 'PENDING') }),
    )
    expect(isDynamormError(error, 'ConditionFailedError')).toBe(true)
    expect(error.details.outcome).toBe('unknown')
    expect(await stored(first)).toBeUndefined()
  })
})
