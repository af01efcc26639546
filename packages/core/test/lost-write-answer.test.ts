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
