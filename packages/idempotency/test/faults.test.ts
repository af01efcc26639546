// DynamoDB failing under the middleware (through the fault proxy): a lock that cannot be taken writes
// nothing and answers 429 / 503; a commit that fails releases the lock, a direct completion that fails
// after the handler ran keeps it; a failed release hides nothing. A write DynamoDB applied but whose
// answer was lost on the way back (dropResponse): the lock is found as this request's own, and the
// completion lands once with the payment, so the duplicate that follows is replayed, never run again nor
// refused, whether the SDK's own retry saw the commit through or the request failed.
import { isDynamormError } from '@dynamorm/core'
import { type DynamoFaultProxy, httpApiEvent, startDynamoFaultProxy } from '@dynamorm/testing'
import middy from '@middy/core'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type IdempotencyOptions, idempotency, REPLAYED_HEADER } from '../src/index.ts'
import {
  clientMiddleware,
  endpoint,
  type HttpHandler,
  invoke,
  paymentWrite,
  readPayment,
  readRecord,
  rejection,
  tablesForFile,
} from './fixtures.ts'

const tables = tablesForFile('faults-')
let proxy: DynamoFaultProxy

beforeAll(async () => {
  proxy = await startDynamoFaultProxy(endpoint)
})
afterAll(async () => {
  await proxy.close()
})
afterEach(() => proxy.faults.reset())

let keySeq = 0
const newKey = () => `fault-${Date.now()}-${++keySeq}`
const payment = (key: string) =>
  httpApiEvent({
    method: 'POST',
    path: '/payments',
    body: { amount: 5 },
    headers: { 'idempotency-key': key },
  })
const recordKeyOf = (key: string) => `#POST /payments#${key}`

/** A payment handler whose DynamoDB calls go through the fault proxy, with `maxAttempts` SDK attempts per call. */
function viaProxy(options: IdempotencyOptions = {}, maxAttempts = 2) {
  const runs = { count: 0 }
  const handler = middy()
    .use(httpJsonBodyParser())
    .use(clientMiddleware(proxy.endpoint, maxAttempts))
    .use(idempotency({ table: tables.records.name, ...options }))
    .handler(async (_event, context) => {
      runs.count += 1
      context.db.unitOfWork.add(paymentWrite(tables.payments.name, context.idempotency.key, 5))
      return { statusCode: 201, body: 'charged' }
    }) as unknown as HttpHandler
  return { handler, runs }
}

describe('throttling or failure while locking', () => {
  it('answers 429 with Retry-After after the SDK retries, runs nothing, writes nothing', async () => {
    const { handler, runs } = viaProxy()
    const key = newKey()
    proxy.faults.set({ throttle: 2, operation: 'PutItem' })
    const result = await invoke(handler, payment(key))
    expect(result.statusCode).toBe(429)
    expect(result.headers?.['retry-after']).toBe('1')
    expect(JSON.parse(result.body!).error.name).toBe('ThrottledError')
    expect(proxy.calls('PutItem')).toBeGreaterThanOrEqual(2)
    expect(runs.count).toBe(0)
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toBeUndefined()
    // With DynamoDB back, the same request goes through.
    expect((await invoke(handler, payment(key))).statusCode).toBe(201)
  })

  it('answers 503 when DynamoDB fails, writes nothing', async () => {
    const { handler, runs } = viaProxy()
    const key = newKey()
    proxy.faults.set({ serverError: 2, operation: 'PutItem' })
    const result = await invoke(handler, payment(key))
    expect(result.statusCode).toBe(503)
    expect(JSON.parse(result.body!).error.name).toBe('ServiceUnavailableError')
    expect(runs.count).toBe(0)
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toBeUndefined()
  })

  it('rides out one throttle through the SDK retry', async () => {
    const { handler, runs } = viaProxy()
    proxy.faults.set({ throttle: 1, operation: 'PutItem' })
    expect((await invoke(handler, payment(newKey()))).statusCode).toBe(201)
    expect(runs.count).toBe(1)
  })

  it('throws the typed error for callers that asked for errors', async () => {
    const { handler } = viaProxy({ httpResponses: false })
    proxy.faults.set({ throttle: 2, operation: 'PutItem' })
    const error = await rejection(invoke(handler, payment(newKey())))
    expect(isDynamormError(error, 'ThrottledError')).toBe(true)
    expect(error.status).toBe(429)
  })
})

describe('a commit that fails', () => {
  it('releases the lock, lands no payment, and lets the retry run', async () => {
    const { handler, runs } = viaProxy()
    const key = newKey()
    proxy.faults.set({ throttle: 2, operation: 'TransactWriteItems' })
    const error = await rejection(invoke(handler, payment(key)))
    expect(isDynamormError(error, 'ThrottledError')).toBe(true)
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toBeUndefined()
    expect(await readPayment(tables.payments.name, key)).toBeUndefined()
    expect((await invoke(handler, payment(key))).statusCode).toBe(201)
    expect(runs.count).toBe(2)
    expect((await invoke(handler, payment(key))).headers?.[REPLAYED_HEADER]).toBe('true')
  })

  it('keeps the handler’s error when the release fails too; the lease then runs out on its own', async () => {
    const { handler } = viaProxy({ leaseMs: 20_000 })
    const key = newKey()
    proxy.faults.set({ serverError: 4, operation: ['TransactWriteItems', 'DeleteItem'] })
    const error = await rejection(invoke(handler, payment(key)))
    expect(isDynamormError(error, 'ServiceUnavailableError')).toBe(true)
    expect(proxy.calls('DeleteItem')).toBeGreaterThanOrEqual(1)
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toMatchObject({ status: 'IN_PROGRESS' })
    proxy.faults.reset()
    // The retry meets the live lease: 409, not a second charge.
    expect((await invoke(handler, payment(key))).statusCode).toBe(409)
    expect(await readPayment(tables.payments.name, key)).toBeUndefined()
  })
})

describe('how the completion is written', () => {
  const tiny = (options: IdempotencyOptions = {}) =>
    middy()
      .use(httpJsonBodyParser())
      .use(clientMiddleware(proxy.endpoint, 2))
      .use(idempotency({ table: tables.records.name, ...options }))
      .handler(async () => ({ statusCode: 201, body: 'no writes' })) as unknown as HttpHandler

  const callsFor = async (handler: HttpHandler, key: string) => {
    const before = {
      put: proxy.calls('PutItem'),
      update: proxy.calls('UpdateItem'),
      tx: proxy.calls('TransactWriteItems'),
    }
    await invoke(handler, payment(key))
    return {
      PutItem: proxy.calls('PutItem') - before.put,
      UpdateItem: proxy.calls('UpdateItem') - before.update,
      TransactWriteItems: proxy.calls('TransactWriteItems') - before.tx,
    }
  }

  it('sends one conditional PutItem when nothing else is queued: lock + completion = 2 calls', async () => {
    const handler = tiny()
    const key = newKey()
    expect(await callsFor(handler, key)).toEqual({ PutItem: 2, UpdateItem: 0, TransactWriteItems: 0 })
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toMatchObject({ status: 'COMPLETED' })
    // The replay: one PutItem whose failed condition carries the record.
    expect(await callsFor(handler, key)).toEqual({ PutItem: 1, UpdateItem: 0, TransactWriteItems: 0 })
  })

  it("with completion: 'unit-of-work', always commits through a transaction", async () => {
    const key = newKey()
    expect(await callsFor(tiny({ completion: 'unit-of-work' }), key)).toEqual({
      PutItem: 1,
      UpdateItem: 0,
      TransactWriteItems: 1,
    })
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toMatchObject({ status: 'COMPLETED' })
  })

  it('keeps the lock when the direct completion fails after the handler ran: a retry meets it, not a second run', async () => {
    let runs = 0
    const handler = middy()
      .use(httpJsonBodyParser())
      .use(clientMiddleware(proxy.endpoint, 2))
      .use(idempotency({ table: tables.records.name, httpResponses: false }))
      .handler(async () => {
        runs++ // e.g. the card was charged at the payment provider
        // The lock is taken: the next PutItems are the completion and its one SDK retry.
        if (runs === 1) proxy.faults.set({ throttle: 2, operation: 'PutItem' })
        return { statusCode: 201, body: 'charged' }
      }) as unknown as HttpHandler
    const key = newKey()
    const error = await rejection(invoke(handler, payment(key)))
    proxy.faults.reset()
    expect(isDynamormError(error, 'ThrottledError')).toBe(true)
    // As after a crash at this point: the lock stays until its lease ends (then: outcome unknown).
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toMatchObject({ status: 'IN_PROGRESS' })
    const retry = await rejection(invoke(handler, payment(key)))
    expect(isDynamormError(retry, 'IdempotencyInFlightError')).toBe(true)
    expect(runs).toBe(1)
  })
})

describe('a commit whose answer is lost', () => {
  it('is sent again by the SDK and succeeds; the duplicate is replayed, not run again nor refused', async () => {
    const { handler, runs } = viaProxy({}, 3)
    const key = newKey()
    proxy.faults.set({ dropResponse: 1, operation: 'TransactWriteItems' })
    const commits = proxy.calls('TransactWriteItems')
    const first = await invoke(handler, payment(key))
    expect(first).toMatchObject({ statusCode: 201, body: 'charged' })
    expect(first.headers?.[REPLAYED_HEADER]).toBeUndefined()
    // The commit landed unseen, and the SDK's second copy (same ClientRequestToken) applied nothing more.
    expect(proxy.calls('TransactWriteItems') - commits).toBe(2)
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toMatchObject({ status: 'COMPLETED' })

    const duplicate = await invoke(handler, payment(key))
    expect(duplicate).toMatchObject({ statusCode: 201, body: 'charged' })
    expect(duplicate.headers?.[REPLAYED_HEADER]).toBe('true')
    expect(runs.count).toBe(1)
    expect(proxy.calls('TransactWriteItems') - commits).toBe(2)
    expect(await readPayment(tables.payments.name, key)).toMatchObject({ amount: 5 })
  })

  it('with no attempt left fails as outcome unknown, keeps the completion, and the retry is replayed', async () => {
    const { handler, runs } = viaProxy({}, 1)
    const key = newKey()
    proxy.faults.set({ dropResponse: 1, operation: 'TransactWriteItems' })
    const error = await rejection(invoke(handler, payment(key)))
    expect(isDynamormError(error, 'ServiceUnavailableError')).toBe(true)
    expect((error as Error & { details: unknown }).details).toMatchObject({ outcome: 'unknown', writes: 2 })
    // The failed request's release is fenced on IN_PROGRESS: it leaves the completion that landed alone.
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toMatchObject({ status: 'COMPLETED' })

    const retry = await invoke(handler, payment(key))
    expect(retry).toMatchObject({ statusCode: 201, body: 'charged' })
    expect(retry.headers?.[REPLAYED_HEADER]).toBe('true')
    expect(runs.count).toBe(1)
    expect(await readPayment(tables.payments.name, key)).toMatchObject({ amount: 5 })
  })

  it('of a completion sent on its own is sent again by the SDK and taken as its own', async () => {
    const runs = { count: 0 }
    const handler = middy()
      .use(httpJsonBodyParser())
      .use(clientMiddleware(proxy.endpoint, 3))
      .use(idempotency({ table: tables.records.name }))
      .handler(async () => {
        runs.count += 1
        // The lock is taken; nothing is queued, so the completion goes as a PutItem of its own.
        proxy.faults.set({ dropResponse: 1, operation: 'PutItem' })
        return { statusCode: 200, body: 'looked up' }
      }) as unknown as HttpHandler
    const key = newKey()
    const puts = proxy.calls('PutItem')
    expect(await invoke(handler, payment(key))).toMatchObject({ statusCode: 200, body: 'looked up' })
    // Lock, lost completion, and the SDK's second copy, refused by the first but found COMPLETED as ours.
    expect(proxy.calls('PutItem') - puts).toBe(3)
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toMatchObject({ status: 'COMPLETED' })
    proxy.faults.reset()
    const duplicate = await invoke(handler, payment(key))
    expect(duplicate).toMatchObject({ statusCode: 200, body: 'looked up' })
    expect(duplicate.headers?.[REPLAYED_HEADER]).toBe('true')
    expect(runs.count).toBe(1)
  })
})

describe('a lock whose answer is lost', () => {
  it('is sent again by the SDK, found as this request’s own lock, and the handler runs once', async () => {
    const { handler, runs } = viaProxy({}, 3)
    const key = newKey()
    proxy.faults.set({ dropResponse: 1, operation: 'PutItem' })
    const puts = proxy.calls('PutItem')
    const first = await invoke(handler, payment(key))
    expect(first).toMatchObject({ statusCode: 201, body: 'charged' })
    // The lock landed unseen; the SDK's second copy was refused by it and read back as ours.
    expect(proxy.calls('PutItem') - puts).toBe(2)
    expect(runs.count).toBe(1)
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toMatchObject({ status: 'COMPLETED' })

    const duplicate = await invoke(handler, payment(key))
    expect(duplicate.headers?.[REPLAYED_HEADER]).toBe('true')
    expect(runs.count).toBe(1)
    expect(await readPayment(tables.payments.name, key)).toMatchObject({ amount: 5 })
  })
})
