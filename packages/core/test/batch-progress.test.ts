// batchWrite's and batchGet's progress callback and call statistics, with throttling from the fault proxy.
import { localDynamoClient, startDynamoFaultProxy } from '@dynamorm/testing'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import {
  type BatchGetProgress,
  type BatchWriteProgress,
  createDb,
  type Entity,
  isDynamormError,
} from '../src/index.ts'
import { Payment, paymentsTableForFile, uniqueId } from './fixtures.ts'

const env = paymentsTableForFile()
let proxy: Awaited<ReturnType<typeof startDynamoFaultProxy>>
let payments: Entity<typeof Payment>
beforeAll(async () => {
  proxy = await startDynamoFaultProxy(env.endpoint)
  // SDK retries off: every throttled call is the batch's own to retry, and counted.
  const client = localDynamoClient(proxy.endpoint, { maxAttempts: 1 })
  payments = createDb({ client, tableName: env.db.options.tableName }).model(Payment)
})
afterAll(() => proxy.close())

const partnerId = 'progress'
const payment = (id = uniqueId()) => ({ partnerId, id, amount: 1, status: 'PENDING' as const })

describe('batchWrite progress and statistics', () => {
  it('reports each call and returns written, calls, retries and throttled', async () => {
    const seen: BatchWriteProgress[] = []
    proxy.faults.set({ throttle: 2, operation: 'BatchWriteItem' })
    const result = await payments.batchWrite(
      { put: [payment(), payment()] },
      { baseDelayMs: 1, overwrite: true, onProgress: (progress) => seen.push(progress) },
    )
    proxy.faults.reset()
    expect(result).toEqual({ written: 2, calls: 3, retries: 2, throttled: 2 })
    expect(seen).toEqual([
      { written: 0, total: 2, retries: 0, throttled: 1 },
      { written: 0, total: 2, retries: 1, throttled: 2 },
      { written: 2, total: 2, retries: 2, throttled: 2 },
    ])
  })

  it('counts chunks of 25 without retries when nothing is throttled', async () => {
    const seen: number[] = []
    const puts = Array.from({ length: 60 }, () => payment())
    const result = await payments.batchWrite(
      { put: puts },
      { concurrency: 1, overwrite: true, onProgress: ({ written, total }) => seen.push(written / total) },
    )
    expect(result).toEqual({ written: 60, calls: 3, retries: 0, throttled: 0 })
    expect(seen).toEqual([25 / 60, 50 / 60, 1])
    const deleted = await payments.batchWrite({ delete: puts.map(({ id }) => ({ partnerId, id })) })
    expect(deleted).toEqual({ written: 60, calls: 3, retries: 0, throttled: 0 })
    expect(await payments.batchWrite({})).toEqual({ written: 0, calls: 0, retries: 0, throttled: 0 })
  })

  it('puts the statistics in the UnprocessedItemsError when retries run out', async () => {
    const seen: BatchWriteProgress[] = []
    proxy.faults.set({ throttle: 100, operation: 'BatchWriteItem' })
    const error = await payments
      .batchWrite(
        { put: [payment()] },
        { maxAttempts: 3, baseDelayMs: 1, overwrite: true, onProgress: (p) => seen.push(p) },
      )
      .catch((e: unknown) => e)
    proxy.faults.reset()
    expect(isDynamormError(error, 'UnprocessedItemsError')).toBe(true)
    expect((error as { details: unknown }).details).toMatchObject({
      unprocessedItems: 1,
      written: 0,
      calls: 3,
      retries: 2,
      throttled: 3,
    })
    expect(seen.at(-1)).toEqual({ written: 0, total: 1, retries: 2, throttled: 3 })
  })

  it('logs a failing progress callback and finishes the batch; refuses one that is not a function', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    try {
      const result = await payments.batchWrite(
        { put: [payment()] },
        {
          overwrite: true,
          onProgress: () => {
            throw new Error('progress bar broke')
          },
        },
      )
      expect(result.written).toBe(1)
      expect(logged).toHaveBeenCalledTimes(1)
      expect(logged).toHaveBeenCalledWith(
        expect.stringMatching(/onProgress/),
        expect.objectContaining({ message: 'progress bar broke' }),
      )
    } finally {
      logged.mockRestore()
    }
    const calls = proxy.calls('BatchWriteItem')
    const error = await payments
      .batchWrite({ put: [payment()] }, { overwrite: true, onProgress: 'yes' as never })
      .catch((e: unknown) => e)
    expect(isDynamormError(error, 'ValidationError')).toBe(true)
    expect(proxy.calls('BatchWriteItem')).toBe(calls)
  })
})

describe('batchGet progress', () => {
  it('reports keys read, retries and throttling, including in the UnprocessedItemsError', async () => {
    const puts = [payment(), payment(), payment()]
    await payments.batchWrite({ put: puts }, { overwrite: true })
    const keys = puts.map(({ id }) => ({ partnerId, id }))
    const seen: BatchGetProgress[] = []
    proxy.faults.set({ throttle: 1, operation: 'BatchGetItem' })
    // A key asked for twice is read once: total counts distinct keys.
    const items = await payments.batchGet([...keys, keys[0]!], {
      baseDelayMs: 1,
      onProgress: (progress) => seen.push(progress),
    })
    proxy.faults.reset()
    expect(items.map((item) => item?.id)).toEqual([...keys.map(({ id }) => id), keys[0]!.id])
    expect(seen).toEqual([
      { read: 0, total: 3, retries: 0, throttled: 1 },
      { read: 3, total: 3, retries: 1, throttled: 1 },
    ])
    proxy.faults.set({ throttle: 100, operation: 'BatchGetItem' })
    const error = await payments.batchGet(keys, { maxAttempts: 2, baseDelayMs: 1 }).catch((e: unknown) => e)
    proxy.faults.reset()
    expect((error as { details: unknown }).details).toMatchObject({
      unprocessedKeys: 3,
      read: 0,
      calls: 2,
      retries: 1,
      throttled: 2,
    })
    const refused = await payments.batchGet(keys, { onProgress: 1 as never }).catch((e: unknown) => e)
    expect(isDynamormError(refused, 'ValidationError')).toBe(true)
  })
})
