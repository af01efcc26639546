// A commit that DynamoDB applied but whose answer was lost on the way back (through the fault proxy's
// dropResponse): the completion landed once with the payment, so the duplicate that follows is replayed,
// never run again nor refused, whether the SDK's own retry saw the commit through or the request failed.
import { isDynamormError } from '@dynamorm/core'
import { type DynamoFaultProxy, httpApiEvent, startDynamoFaultProxy } from '@dynamorm/testing'
import middy from '@middy/core'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { idempotency, REPLAYED_HEADER } from '../src/index.ts'
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

const tables = tablesForFile('lost-answer-')
let proxy: DynamoFaultProxy

beforeAll(async () => {
  proxy = await startDynamoFaultProxy(endpoint)
})
afterAll(async () => {
  await proxy.close()
})
afterEach(() => proxy.faults.reset())

let keySeq = 0
const newKey = () => `lost-${Date.now()}-${++keySeq}`
const payment = (key: string) =>
  httpApiEvent({
    method: 'POST',
    path: '/payments',
    body: { amount: 5 },
    headers: { 'idempotency-key': key },
  })
const recordKeyOf = (key: string) => `#POST /payments#${key}`

/** A payment handler whose calls go through the fault proxy, with `maxAttempts` SDK attempts per call. */
function viaProxy(maxAttempts: number) {
  const runs = { count: 0 }
  const handler = middy()
    .use(httpJsonBodyParser())
    .use(clientMiddleware(proxy.endpoint, maxAttempts))
    .use(idempotency({ table: tables.records.name }))
    .handler(async (_event, context) => {
      runs.count += 1
      context.db.unitOfWork.add(paymentWrite(tables.payments.name, context.idempotency.key, 5))
      return { statusCode: 201, body: 'charged' }
    }) as unknown as HttpHandler
  return { handler, runs }
}

describe('a commit whose answer is lost', () => {
  it('is sent again by the SDK and succeeds; the duplicate is replayed, not run again nor refused', async () => {
    const { handler, runs } = viaProxy(3)
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
    const { handler, runs } = viaProxy(1)
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
    const { handler, runs } = viaProxy(3)
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
