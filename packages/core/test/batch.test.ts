import { localDynamoClient, startDynamoFaultProxy } from '@dynamorm/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { batchGetParams, batchWriteParams, createDb, type Db, isDynamormError } from '../src/index.ts'
import { backoffDelay } from '../src/operations/retry.ts'
import { Payment, paymentsDb, Refund, type TestDb } from './fixtures.ts'

let env: TestDb
let db: Db
beforeAll(async () => {
  env = await paymentsDb()
  db = env.db
})
afterAll(() => env.table.delete())

const payment = (partnerId: string, n: number) => ({
  partnerId,
  id: `b${n}`,
  amount: n,
  status: 'PENDING' as const,
})

describe('batch write and get', () => {
  it('chunks to 25 writes and 100 keys and returns items aligned with the keys', async () => {
    const inputs = Array.from({ length: 130 }, (_, n) => payment('batch', n))
    expect(batchWriteParams(Payment, { put: inputs }, { overwrite: true })).toHaveLength(6)
    expect(batchGetParams(Payment, inputs)).toHaveLength(2)
    const requestDb = db.forRequest()
    const payments = requestDb.model(Payment)
    expect(await payments.batchWrite({ put: inputs }, { concurrency: 3, overwrite: true })).toEqual({
      written: 130,
      calls: 6,
      retries: 0,
      throttled: 0,
    })
    const keys = [
      ...inputs.map(({ partnerId, id }) => ({ partnerId, id })),
      { partnerId: 'batch', id: 'missing' },
    ]
    const items = await payments.batchGet([...keys, keys[0]!], { consistent: true })
    expect(items).toHaveLength(132)
    expect(items[0]?.amount).toBe(0)
    expect(items[129]?.amount).toBe(129)
    expect(items[130]).toBeUndefined()
    expect(items[131]?.id).toBe('b0')
    expect(requestDb.meter.totals().calls).toBe(6 + 2)
    const projected = await payments.batchGet(keys.slice(0, 3), { projection: ['amount'] })
    expect(projected[2]).toEqual({ amount: 2 })
    await payments.batchWrite({ delete: keys.slice(0, 100) })
    expect((await payments.batchGet(keys.slice(0, 100))).every((item) => item === undefined)).toBe(true)
  })

  it('rejects a batch naming a key twice before sending', async () => {
    const error = await db
      .model(Payment)
      .batchWrite({ put: [payment('dup', 1)], delete: [{ partnerId: 'dup', id: 'b1' }] }, { overwrite: true })
      .catch((e: unknown) => e)
    expect(isDynamormError(error, 'ValidationError')).toBe(true)
  })

  it.each([
    ['concurrency', Number.NaN],
    ['concurrency', 0],
    ['concurrency', 1.5],
    ['maxAttempts', Number.NaN],
    ['maxAttempts', 0],
    ['baseDelayMs', Number.NaN],
    ['maxDelayMs', -1],
  ])(
    'refuses %s = %s before anything is sent, rather than writing or reading nothing',
    async (option, value) => {
      // e.g. Number(process.env.BATCH_CONCURRENCY) when the variable is unset: NaN started no worker and
      // the batch resolved { written: 0 } with nothing written.
      const requestDb = db.forRequest()
      const payments = requestDb.model(Payment)
      const input = payment('bad-options', 1)
      const written = await payments
        .batchWrite({ put: [input] }, { overwrite: true, [option]: value })
        .catch((e: unknown) => e)
      expect(isDynamormError(written, 'ValidationError')).toBe(true)
      const read = await payments.batchGet([input], { [option]: value }).catch((e: unknown) => e)
      expect(isDynamormError(read, 'ValidationError')).toBe(true)
      expect(requestDb.meter.totals().calls).toBe(0)
      expect(await payments.get(input, { consistent: true })).toBeUndefined()
    },
  )

  it("refuses a versioned model's batch put unless told it may overwrite, before anything is sent", async () => {
    const payments = db.model(Payment)
    await payments.create(payment('locked', 1))
    const current = await payments.update(
      { partnerId: 'locked', id: 'b1' },
      { set: { amount: 7 } },
      { expectedVersion: 1 },
    )
    expect(current.version).toBe(2)
    // Unchecked, this put would reset the item to version 1: a stale writer holding version 1 would pass.
    const refused = await payments.batchWrite({ put: [payment('locked', 1)] }).catch((e: unknown) => e)
    expect(isDynamormError(refused, 'ValidationError')).toBe(true)
    expect((refused as Error).message).toMatch(/Payment is versioned.*overwrite: true/)
    expect(() => batchWriteParams(Payment, { put: [payment('locked', 1)] })).toThrow(/versioned/)
    expect(await payments.get({ partnerId: 'locked', id: 'b1' })).toMatchObject({ amount: 7, version: 2 })
    // Deletes carry no version in a single delete either; an unversioned model's puts overwrite as ever.
    expect(batchWriteParams(Payment, { delete: [{ partnerId: 'locked', id: 'b1' }] })).toHaveLength(1)
    expect(
      batchWriteParams(Refund, { put: [{ partnerId: 'locked', id: 'r1', paymentId: 'b1', amount: 1 }] }),
    ).toHaveLength(1)
    // Told so, it replaces what is stored, version included.
    await payments.batchWrite({ put: [payment('locked', 1)] }, { overwrite: true })
    expect((await payments.get({ partnerId: 'locked', id: 'b1' }))?.version).toBe(1)
  })

  it('retries throttled chunks with backoff, then lists what is still unprocessed', async () => {
    const proxy = await startDynamoFaultProxy(env.endpoint)
    try {
      // SDK retries off: the batch's own backoff handles throttling.
      const client = localDynamoClient(proxy.endpoint, { maxAttempts: 1 })
      const throttled = createDb({ client, tableName: db.options.tableName }).model(Payment)
      proxy.faults.set({ throttle: 2, operation: 'BatchWriteItem' })
      await throttled.batchWrite(
        { put: [payment('retry', 1), payment('retry', 2)] },
        { baseDelayMs: 1, overwrite: true },
      )
      expect(proxy.calls('BatchWriteItem')).toBe(3)
      proxy.faults.set({ throttle: 2, operation: 'BatchGetItem' })
      const items = await throttled.batchGet([{ partnerId: 'retry', id: 'b1' }], { baseDelayMs: 1 })
      expect(items[0]?.amount).toBe(1)
      proxy.faults.set({ throttle: 100, operation: 'BatchWriteItem' })
      const error = await throttled
        .batchWrite({ put: [payment('retry', 3)] }, { maxAttempts: 3, baseDelayMs: 1, overwrite: true })
        .catch((e: unknown) => e)
      expect(isDynamormError(error, 'UnprocessedItemsError')).toBe(true)
      expect((error as { status: number }).status).toBe(503)
      expect((error as { unprocessed: unknown[] }).unprocessed).toHaveLength(1)
      proxy.faults.set({ throttle: 100, operation: 'BatchGetItem' })
      const getError = await throttled
        .batchGet([{ partnerId: 'retry', id: 'b1' }], { maxAttempts: 2, baseDelayMs: 1 })
        .catch((e: unknown) => e)
      expect((getError as { unprocessed: unknown[] }).unprocessed).toHaveLength(1)
      proxy.faults.reset()
      proxy.faults.set({ throttle: 1, operation: 'GetItem' })
      const throttledGet = await throttled.get({ partnerId: 'retry', id: 'b1' }).catch((e: unknown) => e)
      expect(isDynamormError(throttledGet, 'ThrottledError')).toBe(true)
      expect((throttledGet as { status: number }).status).toBe(429)
      proxy.faults.set({ serverError: 1, operation: 'BatchWriteItem' })
      const unavailable = await throttled
        .batchWrite({ put: [payment('retry', 4)] }, { overwrite: true })
        .catch((e: unknown) => e)
      // A failure that is not throttling stops the batch; the error names what is not confirmed.
      expect(isDynamormError(unavailable, 'BatchInterruptedError')).toBe(true)
      expect(isDynamormError((unavailable as Error).cause, 'ServiceUnavailableError')).toBe(true)
      expect((unavailable as { status: number }).status).toBe(503)
      expect((unavailable as { unprocessed: unknown[] }).unprocessed).toHaveLength(1)
    } finally {
      proxy.faults.reset()
      await proxy.close()
    }
  })

  it('backs off exponentially with full jitter under a ceiling', () => {
    expect(backoffDelay(0, { baseDelayMs: 100 }, () => 0.999)).toBe(99)
    expect(backoffDelay(3, { baseDelayMs: 100 }, () => 0.5)).toBe(400)
    expect(backoffDelay(30, { baseDelayMs: 100, maxDelayMs: 1000 }, () => 0.999)).toBe(999)
    expect(backoffDelay(2, {}, () => 0)).toBe(0)
  })
})
