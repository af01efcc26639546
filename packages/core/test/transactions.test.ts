import { localDynamoClient } from '@dynamorm/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDb, type Db, isDynamormError, transactWrite, transactWriteParams } from '../src/index.ts'
import { Payment, paymentsDb, Refund, type TestDb, uniqueId } from './fixtures.ts'

let env: TestDb
let db: Db
beforeAll(async () => {
  env = await paymentsDb()
  db = env.db
})
afterAll(() => env.table.delete())

const payment = (id = uniqueId()) => ({ partnerId: 'tx', id, amount: 10, status: 'PENDING' as const })

describe('transactions and the unit of work', () => {
  it('commits queued create, update, delete and condition check together', async () => {
    const payments = db.model(Payment)
    const existing = await payments.create(payment())
    const doomed = await payments.create(payment())
    const checked = await payments.create(payment())
    const request = db.forRequest()
    const tx = request.model(Payment)
    const fresh = payment()
    await tx.queue.create(fresh)
    await tx.queue.update(
      { partnerId: 'tx', id: existing.id },
      { set: { status: 'AUTHORIZED' } },
      { expectedVersion: 1 },
    )
    await tx.queue.delete({ partnerId: 'tx', id: doomed.id })
    await tx.queue.conditionCheck({ partnerId: 'tx', id: checked.id }, (c) => c.eq('amount', 10), {
      label: 'check',
    })
    await request.model(Refund).queue.put({ partnerId: 'tx', id: 'r', paymentId: fresh.id, amount: 1 })
    expect(request.unitOfWork.size).toBe(5)
    expect(await request.unitOfWork.commit('req-1')).toBe(5)
    expect(await payments.get({ partnerId: 'tx', id: fresh.id })).toBeDefined()
    expect((await payments.get({ partnerId: 'tx', id: existing.id }))?.version).toBe(2)
    expect(await payments.get({ partnerId: 'tx', id: doomed.id })).toBeUndefined()
    expect(request.meter.totals().writeCapacityUnits).toBeGreaterThan(0)
  })

  it('maps cancellation reasons to the item that failed, with its old item, and writes nothing', async () => {
    const payments = db.model(Payment)
    const existing = await payments.create(payment())
    const fresh = payment()
    const items = [
      await payments.transactItem.create(fresh),
      await payments.transactItem.create(existing),
      await payments.transactItem.update({ partnerId: 'tx', id: existing.id }, { add: { amount: 1 } }),
    ]
    const error = await transactWrite(db, [items[0]!, items[1]!]).catch((e: unknown) => e)
    expect(isDynamormError(error, 'TransactionCancelledError')).toBe(true)
    const reasons = (error as { reasons: { index: number; code: string; item?: Record<string, unknown> }[] })
      .reasons
    expect(reasons.map((r) => r.code)).toEqual(['None', 'ConditionalCheckFailed'])
    expect(reasons[1]?.item?.id).toBe(existing.id)
    expect(await payments.get({ partnerId: 'tx', id: fresh.id })).toBeUndefined()
    await transactWrite(db, [items[2]!], { clientRequestToken: 'token-1' })
    // Same token, same request: DynamoDB treats it as a replay and does not apply it twice.
    await transactWrite(db, [items[2]!], { clientRequestToken: 'token-1' })
    expect((await payments.get({ partnerId: 'tx', id: existing.id }))?.amount).toBe(11)
  })

  it('refuses more than 100 items and writes spanning two accounts before sending', async () => {
    const payments = db.model(Payment)
    const item = await payments.transactItem.delete({ partnerId: 'tx', id: 'x' })
    expect(() => transactWriteParams(Array.from({ length: 101 }, () => item))).toThrow(/at most 100/)
    expect(() => transactWriteParams([])).toThrow(/at least one/)
    expect(() => transactWriteParams([item], 'x'.repeat(37))).toThrow(/ClientRequestToken/)
    const request = db.forRequest()
    for (let i = 0; i < 101; i++) request.unitOfWork.add(item)
    const error = await request.unitOfWork.commit().catch((e: unknown) => e)
    expect(isDynamormError(error, 'TransactionTooLargeError')).toBe(true)
    request.unitOfWork.discard()
    const partner = request.scoped({ client: localDynamoClient(env.endpoint) })
    await request.model(Payment).queue.delete({ partnerId: 'tx', id: 'a' })
    await partner.model(Payment).queue.delete({ partnerId: 'tx', id: 'b' })
    const cross = await request.unitOfWork.commit().catch((e: unknown) => e)
    expect(isDynamormError(cross, 'CrossAccountTransactionError')).toBe(true)
    expect(createDb({ client: db.client }).unitOfWork.size).toBe(0)
  })
})

describe('queue labels', () => {
  const reasonsOf = (error: unknown) =>
    (error as { reasons: { code: string; label?: string | undefined }[] }).reasons

  it('names each queued write in the cancellation reasons, given in its options or (older form) last', async () => {
    const payments = db.model(Payment)
    const existing = await payments.create(payment())
    const updated = await payments.create(payment())
    const checked = await payments.create(payment())
    const request = db.forRequest()
    const tx = request.model(Payment)
    await tx.queue.create(payment(), { label: 'fresh' })
    await tx.queue.create(existing, undefined, { label: 'duplicate' })
    await tx.queue.update({ partnerId: 'tx', id: updated.id }, { add: { amount: 1 } }, undefined, {
      label: 'total',
    })
    await tx.queue.delete({ partnerId: 'tx', id: uniqueId() }, {}, { label: 'gone' })
    await tx.queue.put(payment(), { label: 'put' })
    await tx.queue.conditionCheck({ partnerId: 'tx', id: checked.id }, (c) => c.eq('amount', 10), {
      label: 'check',
    })
    const error = await request.unitOfWork.commit().catch((e: unknown) => e)
    expect(isDynamormError(error, 'TransactionCancelledError')).toBe(true)
    expect(reasonsOf(error).map((r) => r.label)).toEqual([
      'fresh',
      'duplicate',
      'total',
      'gone',
      'put',
      'check',
    ])
    expect(reasonsOf(error).map((r) => r.code)).toEqual([
      'None',
      'ConditionalCheckFailed',
      'None',
      'None',
      'None',
      'None',
    ])
    expect((await payments.get({ partnerId: 'tx', id: updated.id }))?.amount).toBe(10)
  })

  it('refuses a label that is not a string, or two different labels for one write, before queueing', async () => {
    const request = db.forRequest()
    const tx = request.model(Payment)
    const key = { partnerId: 'tx', id: 'label' }
    const notString = await tx.queue.delete(key, { label: 7 as never }).catch((e: unknown) => e)
    expect(isDynamormError(notString, 'ValidationError')).toBe(true)
    const notOptions = await tx.queue.delete(key, undefined, 'x' as never).catch((e: unknown) => e)
    expect(isDynamormError(notOptions, 'ValidationError')).toBe(true)
    const twoLabels = await tx.queue.delete(key, { label: 'a' }, { label: 'b' }).catch((e: unknown) => e)
    expect(isDynamormError(twoLabels, 'ValidationError')).toBe(true)
    expect((twoLabels as Error).message).toMatch(/two labels/)
    await tx.queue.delete(key, { label: 'same' }, { label: 'same' })
    expect(request.unitOfWork.size).toBe(1)
    request.unitOfWork.discard()
  })
})
