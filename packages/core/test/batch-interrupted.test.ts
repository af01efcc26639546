// A batch stopped midway by a failure that is not throttling (a 500 here, from the fault proxy): no
// chunk starts after it, the chunks in flight settle before the error is raised, and the error names
// every write or key not confirmed, so a resumed import neither loses nor repeats a payment.
import type { AttributeValue, WriteRequest } from '@aws-sdk/client-dynamodb'
import { localDynamoClient, startDynamoFaultProxy } from '@dynamorm/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type BatchGetProgress,
  type BatchWriteProgress,
  createDb,
  type Entity,
  isDynamormError,
} from '../src/index.ts'
import { beaconCodec } from './beacon-codec.ts'
import { Payment, paymentsTableForFile, uniqueId } from './fixtures.ts'

const env = paymentsTableForFile()
let proxy: Awaited<ReturnType<typeof startDynamoFaultProxy>>
let payments: Entity<typeof Payment>
// Straight to DynamoDB Local, for setting up and checking what is stored.
let direct: Entity<typeof Payment>
beforeAll(async () => {
  proxy = await startDynamoFaultProxy(env.endpoint)
  // SDK retries off: a 500 reaches the batch on its first answer.
  const client = localDynamoClient(proxy.endpoint, { maxAttempts: 1 })
  const transformer = beaconCodec()
  payments = createDb({ client, tableName: env.db.options.tableName, transformer }).model(Payment)
  direct = env.db.scoped({ transformer }).model(Payment)
})
afterAll(() => proxy.close())

const CARD = '4111111111111111'
const paymentInputs = (partnerId: string, count: number) =>
  Array.from({ length: count }, (_, n) => ({
    partnerId,
    id: `${String(n).padStart(3, '0')}-${uniqueId()}`,
    amount: 1000 + n,
    status: 'PENDING' as const,
    cardNumber: CARD,
  }))

interface BatchError {
  name: string
  status: number
  message: string
  cause: unknown
  unprocessed: unknown[]
  details: Record<string, unknown>
}

const storedIds = async (partnerId: string) =>
  (await direct.query({ partnerId }, { consistent: true, pages: 'all' })).items.map((item) => item.id)
const putIds = (writes: unknown[]) =>
  (writes as WriteRequest[]).map((write) => write.PutRequest?.Item?.sk?.S?.replace('PAYMENT#', ''))

describe('batchWrite stopped by a failure that is not throttling', () => {
  it('stops starting chunks and names every write not confirmed, the count written and the cause', async () => {
    const partnerId = uniqueId('halted')
    const inputs = paymentInputs(partnerId, 100)
    const seen: BatchWriteProgress[] = []
    const error = (await payments
      .batchWrite(
        { put: inputs },
        {
          concurrency: 1,
          overwrite: true,
          onProgress: (progress) => {
            seen.push(progress)
            // The second chunk's call gets a 500; the third and fourth must never be sent.
            if (seen.length === 1) proxy.faults.set({ serverError: 1, operation: 'BatchWriteItem' })
          },
        },
      )
      .catch((e: unknown) => e)) as BatchError
    proxy.faults.reset()
    expect(isDynamormError(error, 'BatchInterruptedError')).toBe(true)
    expect(error.status).toBe(503)
    expect(isDynamormError(error.cause, 'ServiceUnavailableError')).toBe(true)
    expect(error.details).toMatchObject({
      written: 25,
      unprocessedItems: 75,
      calls: 2,
      retries: 0,
      throttled: 0,
    })
    expect(putIds(error.unprocessed)).toEqual(inputs.slice(25).map(({ id }) => id))
    expect(await storedIds(partnerId)).toEqual(inputs.slice(0, 25).map(({ id }) => id))
    // The progress callback saw the failed call too: its last figures are the final ones.
    expect(seen.at(-1)).toEqual({ written: 25, total: 100, retries: 0, throttled: 0 })
    // Item values never reach the message (a card number, an amount); the writes it holds are sealed.
    expect(error.message).not.toContain(CARD)
    expect(JSON.stringify(error.unprocessed)).not.toContain(CARD)
    expect(error.message).not.toContain('1025')
    expect(error.message).toMatch(/25 of 100/)
    // The writes are the caller's to resend, not a logger's to print: the error serialises without them.
    expect(Object.keys(error)).not.toContain('unprocessed')
    expect(JSON.stringify(error)).not.toContain('1025')

    // Resuming with what the error names writes the rest, once each.
    const rest = inputs.filter(({ id }) => putIds(error.unprocessed).includes(id))
    expect(await payments.batchWrite({ put: rest }, { overwrite: true })).toMatchObject({ written: 75 })
    expect(await storedIds(partnerId)).toEqual(inputs.map(({ id }) => id))
  })

  it('lets the chunks in flight settle before raising it, so no write lands after the caller was told', async () => {
    const partnerId = uniqueId('inflight')
    const inputs = paymentInputs(partnerId, 150)
    const seen: BatchWriteProgress[] = []
    const before = proxy.calls('BatchWriteItem')
    // Of the first two chunks in flight one is throttled (and backs off for up to a minute), the other
    // gets a 500: the throttled one must not be retried, and no third chunk may start.
    proxy.faults.set({ throttle: 1, serverError: 1, operation: 'BatchWriteItem' })
    const error = (await payments
      .batchWrite(
        { put: inputs },
        {
          concurrency: 2,
          overwrite: true,
          baseDelayMs: 60_000,
          maxDelayMs: 60_000,
          onProgress: (progress) => seen.push(progress),
        },
      )
      .catch((e: unknown) => e)) as BatchError
    proxy.faults.reset()
    const progressWhenRaised = seen.length
    const callsWhenRaised = proxy.calls('BatchWriteItem') - before
    expect(isDynamormError(error, 'BatchInterruptedError')).toBe(true)
    expect(error.details).toMatchObject({ calls: callsWhenRaised, throttled: 1 })
    const stored = await storedIds(partnerId)
    // Only the first two chunks were ever sent; what is stored and what the error names add up.
    expect(stored.every((id) => inputs.slice(0, 50).some((input) => input.id === id))).toBe(true)
    expect(error.details.written).toBe(stored.length)
    expect([...stored, ...putIds(error.unprocessed)].sort()).toEqual(inputs.map(({ id }) => id).sort())
    expect(seen.at(-1)).toMatchObject({ written: stored.length, total: 150, throttled: 1 })
    expect(seen).toHaveLength(progressWhenRaised)
    expect(proxy.calls('BatchWriteItem') - before).toBe(callsWhenRaised)
  })
})

describe('batchGet stopped by a failure that is not throttling', () => {
  it('names every key not read and keeps the cause; reading them again completes the read', async () => {
    const partnerId = uniqueId('readhalt')
    const inputs = paymentInputs(partnerId, 250)
    await direct.batchWrite({ put: inputs }, { overwrite: true })
    const keys = inputs.map(({ partnerId, id }) => ({ partnerId, id }))
    const seen: BatchGetProgress[] = []
    const error = (await payments
      .batchGet(keys, {
        concurrency: 1,
        onProgress: (progress) => {
          seen.push(progress)
          if (seen.length === 1) proxy.faults.set({ serverError: 1, operation: 'BatchGetItem' })
        },
      })
      .catch((e: unknown) => e)) as BatchError
    proxy.faults.reset()
    expect(isDynamormError(error, 'BatchInterruptedError')).toBe(true)
    expect(error.status).toBe(503)
    expect(isDynamormError(error.cause, 'ServiceUnavailableError')).toBe(true)
    expect(error.details).toMatchObject({ read: 100, unprocessedKeys: 150, calls: 2 })
    const unread = (error.unprocessed as Record<string, AttributeValue>[]).map((key) =>
      key.sk?.S?.replace('PAYMENT#', ''),
    )
    expect(unread).toEqual(keys.slice(100).map(({ id }) => id))
    expect(seen.at(-1)).toEqual({ read: 100, total: 250, retries: 0, throttled: 0 })
    expect(error.message).not.toContain(CARD)
    const rest = await payments.batchGet(keys.filter(({ id }) => unread.includes(id)))
    expect(rest.map((item) => item?.amount)).toEqual(inputs.slice(100).map(({ amount }) => amount))
  })
})
