// idempotency() in a Middy handler wired as in production: httpJsonBodyParser, dynamoClient, the
// middleware, the handler; against DynamoDB Local.
import { createDb, isDynamormError } from '@dynamorm/core'
import { httpApiEvent, lambdaContext, localDynamoClient, restApiEvent } from '@dynamorm/testing'
import middy from '@middy/core'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import { describe, expect, it } from 'vitest'
import { type IdempotencyOptions, idempotency, REPLAYED_HEADER } from '../src/index.ts'
import {
  clientMiddleware,
  endpoint,
  fakePartner,
  gate,
  invoke,
  paymentWrite,
  readPayment,
  readRecord,
  rejection,
  tablesForFile,
} from './fixtures.ts'

const tables = tablesForFile('mw-')

type Result = {
  statusCode: number
  headers?: Record<string, string>
  body?: string
  isBase64Encoded?: boolean
}
type Handler = (event: any, context: any) => Promise<Result>

let keySeq = 0
const newKey = () => `key-${Date.now()}-${++keySeq}`

const payment = (
  key: string | undefined,
  body: unknown = { amount: 100, currency: 'EUR' },
  path = '/payments',
) =>
  httpApiEvent({
    method: 'POST',
    path,
    body,
    headers: key === undefined ? {} : { 'Idempotency-Key': key },
  })

/** A payment handler: counts its runs, writes the payment in the unit of work, answers 201. */
function paymentHandler(options: IdempotencyOptions = {}, answer?: (runs: number) => unknown) {
  const runs = { count: 0 }
  const handler = middy()
    .use(httpJsonBodyParser())
    .use(clientMiddleware())
    .use(idempotency({ table: tables.records.name, ...options }))
    .handler(async (event: any, context) => {
      runs.count += 1
      if (answer) return answer(runs.count) as Result
      const id = `${context.idempotency.key}`
      context.db.unitOfWork.add(paymentWrite(tables.payments.name, id, event.body.amount))
      return {
        statusCode: 201,
        headers: { 'content-type': 'application/json', 'x-payment': id },
        body: JSON.stringify({ id, run: runs.count }),
        isBase64Encoded: false,
      }
    }) as unknown as Handler
  return { handler, runs }
}

const body = (result: Result) => JSON.parse(result.body ?? 'null')
const recordKeyOf = (key: string, path = '/payments') => `#POST ${path}#${key}`

describe('first request and replay', () => {
  it('runs the handler once, commits payment and completion together, and replays the response exactly', async () => {
    const { handler, runs } = paymentHandler()
    const key = newKey()
    const first = await invoke(handler, payment(key))
    expect(first).toEqual({
      statusCode: 201,
      headers: { 'content-type': 'application/json', 'x-payment': key },
      body: JSON.stringify({ id: key, run: 1 }),
      isBase64Encoded: false,
    })
    expect(await readPayment(tables.payments.name, key)).toMatchObject({ amount: 100 })
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toMatchObject({ status: 'COMPLETED' })

    const replay = await invoke(handler, payment(key))
    expect(runs.count).toBe(1)
    expect(replay).toEqual({ ...first, headers: { ...first.headers, [REPLAYED_HEADER]: 'true' } })
  })

  it('replays with the key order of the body changed: the fingerprint is canonical', async () => {
    const { handler, runs } = paymentHandler()
    const key = newKey()
    await invoke(handler, payment(key, { amount: 100, currency: 'EUR', meta: { A: 1, a: 2 } }))
    const replay = await invoke(handler, payment(key, { meta: { a: 2, A: 1 }, currency: 'EUR', amount: 100 }))
    expect(runs.count).toBe(1)
    expect(replay.headers?.[REPLAYED_HEADER]).toBe('true')
  })

  it('replays a handler that returned nothing as nothing', async () => {
    const { handler, runs } = paymentHandler({}, () => undefined)
    const key = newKey()
    expect(await invoke(handler, payment(key))).toBeUndefined()
    expect(await invoke(handler, payment(key))).toBeUndefined()
    expect(runs.count).toBe(1)
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toMatchObject({
      status: 'COMPLETED',
      responseEncoding: 'none',
    })
  })

  it('replays a bare value in the form API Gateway gives it, with the replay header', async () => {
    const { handler, runs } = paymentHandler({}, () => ({ id: 'p-1', amount: 100 }))
    const key = newKey()
    expect(await invoke(handler, payment(key))).toEqual({ id: 'p-1', amount: 100 })
    expect(await invoke(handler, payment(key))).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json', [REPLAYED_HEADER]: 'true' },
      body: '{"id":"p-1","amount":100}',
    })
    expect(runs.count).toBe(1)
  })

  it('releases a bare value answered to a REST API event: API Gateway sends the caller a 502 for it', async () => {
    const { handler, runs } = paymentHandler({}, () => ({ id: 'p-1', amount: 100 }))
    const key = newKey()
    const event = () =>
      restApiEvent({
        method: 'POST',
        path: '/payments',
        body: { amount: 1 },
        headers: { 'Idempotency-Key': key },
      })
    expect(await invoke(handler, event())).toEqual({ id: 'p-1', amount: 100 })
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toBeUndefined()
    expect(await invoke(handler, event())).toEqual({ id: 'p-1', amount: 100 })
    expect(runs.count).toBe(2)
  })

  it('replays base64 bodies and cookies as stored', async () => {
    const stored = {
      statusCode: 200,
      body: Buffer.from('%PDF-receipt').toString('base64'),
      isBase64Encoded: true,
      cookies: ['a=1'],
    }
    const { handler } = paymentHandler({}, () => stored)
    const key = newKey()
    await invoke(handler, payment(key))
    expect(await invoke(handler, payment(key))).toEqual({ ...stored, headers: { [REPLAYED_HEADER]: 'true' } })
  })

  it('stores a large response compressed and replays it exactly', async () => {
    const big = JSON.stringify(Array.from({ length: 3000 }, (_, index) => ({ index, state: 'SETTLED' })))
    const { handler, runs } = paymentHandler({}, () => ({ statusCode: 200, body: big }))
    const key = newKey()
    await invoke(handler, payment(key))
    const record = await readRecord(tables.records.name, recordKeyOf(key))
    expect(record).toMatchObject({ responseEncoding: 'br' })
    expect((record!.response as Uint8Array).byteLength).toBeLessThan(big.length / 5)
    expect((await invoke(handler, payment(key))).body).toBe(big)
    expect(runs.count).toBe(1)
  })

  it('refuses a response too large to store: the payment is not committed and the key stays free', async () => {
    let huge = true
    const { handler, runs } = paymentHandler({ maxResponseBytes: 1024 }, () => ({
      statusCode: 200,
      body: huge ? Buffer.from(crypto.getRandomValues(new Uint8Array(4096))).toString('base64') : 'small',
    }))
    const key = newKey()
    const error = await rejection(invoke(handler, payment(key)))
    expect(isDynamormError(error, 'IdempotencyResponseNotStorableError')).toBe(true)
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toBeUndefined()
    huge = false
    expect((await invoke(handler, payment(key))).body).toBe('small')
    expect(runs.count).toBe(2)
  })

  it('reads the key header case-insensitively on REST API events too', async () => {
    const { handler, runs } = paymentHandler({}, () => ({ statusCode: 200, body: 'ok' }))
    const key = newKey()
    const event = (name: string) =>
      restApiEvent({ method: 'POST', path: '/payments', body: { amount: 1 }, headers: { [name]: key } })
    await invoke(handler, event('IDEMPOTENCY-KEY'))
    expect((await invoke(handler, event('idempotency-key'))).headers?.[REPLAYED_HEADER]).toBe('true')
    expect(runs.count).toBe(1)
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toMatchObject({ status: 'COMPLETED' })
  })
})

describe('duplicates and mismatches never touch the original record', () => {
  it('answers 409 with Retry-After while the first is in flight; a third request leaves the lock alone', async () => {
    const held = gate()
    const { handler, runs } = paymentHandler({ leaseMs: 20_000 }, async () => {
      await held.promise
      return { statusCode: 201, body: 'charged' }
    })
    const key = newKey()
    const first = invoke(handler, payment(key))
    // Wait until the first invocation holds the lock.
    while ((await readRecord(tables.records.name, recordKeyOf(key))) === undefined);
    const lock = await readRecord(tables.records.name, recordKeyOf(key))

    const second = await invoke(handler, payment(key))
    expect(second.statusCode).toBe(409)
    expect(Number(second.headers?.['retry-after'])).toBeGreaterThanOrEqual(1)
    expect(Number(second.headers?.['retry-after'])).toBeLessThanOrEqual(20)
    expect(body(second)).toEqual({
      error: { name: 'IdempotencyInFlightError', message: expect.stringContaining('still being processed') },
    })
    const third = await invoke(handler, payment(key))
    expect(third.statusCode).toBe(409)
    // Bug #5675 in Powertools: the duplicate's onError deleted the running lock. Here nothing moved.
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toEqual(lock)

    held.open()
    expect(await first).toEqual({ statusCode: 201, body: 'charged' })
    expect(runs.count).toBe(1)
    expect((await invoke(handler, payment(key))).body).toBe('charged')
  })

  it('answers 422 to a reused key with another payload, leaving the completed record alone', async () => {
    const { handler, runs } = paymentHandler()
    const key = newKey()
    await invoke(handler, payment(key, { amount: 100 }))
    const completed = await readRecord(tables.records.name, recordKeyOf(key))
    const mismatch = await invoke(handler, payment(key, { amount: 999 }))
    expect(mismatch.statusCode).toBe(422)
    expect(body(mismatch).error.name).toBe('IdempotencyPayloadMismatchError')
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toEqual(completed)
    // The retry of the original still replays: the mismatch broke nothing.
    expect((await invoke(handler, payment(key, { amount: 100 }))).headers?.[REPLAYED_HEADER]).toBe('true')
    expect(runs.count).toBe(1)
  })

  it('answers 422 to another payload while the first is still in flight', async () => {
    const held = gate()
    const { handler } = paymentHandler({}, async () => {
      await held.promise
      return { statusCode: 201 }
    })
    const key = newKey()
    const first = invoke(handler, payment(key, { amount: 1 }))
    while ((await readRecord(tables.records.name, recordKeyOf(key))) === undefined);
    expect((await invoke(handler, payment(key, { amount: 2 }))).statusCode).toBe(422)
    held.open()
    expect((await first).statusCode).toBe(201)
  })
})

describe('a handler that mutates its event', () => {
  it('changes neither the fingerprint nor the record key: completion lands and the retry replays', async () => {
    const { handler, runs } = paymentHandler({}, () => ({ statusCode: 201, body: 'ok' }))
    const mutating = middy()
      .use(httpJsonBodyParser())
      .use(clientMiddleware())
      .use(idempotency({ table: tables.records.name }))
      .handler(async (event: any) => {
        runs.count += 1
        event.body.amount = 0
        event.body.injected = true
        event.headers['idempotency-key'] = 'changed'
        event.rawPath = '/elsewhere'
        return { statusCode: 201, body: 'ok' }
      }) as unknown as Handler
    const key = newKey()
    await invoke(mutating, payment(key))
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toMatchObject({ status: 'COMPLETED' })
    expect((await invoke(handler, payment(key))).headers?.[REPLAYED_HEADER]).toBe('true')
    expect(runs.count).toBe(1)
  })
})

describe('which outcomes are stored', () => {
  it.each([
    [100, false],
    [199, false],
    [200, true],
    [201, true],
    [299, true],
    [300, true],
    [302, true],
    [303, true],
    [399, true],
    [400, true],
    [402, true],
    [404, true],
    [407, true],
    [408, false],
    [409, false],
    [410, true],
    [422, true],
    [425, false],
    [429, false],
    [499, true],
    [500, false],
    [503, false],
    [599, false],
    [600, false],
    [0, false],
    [-200, false],
    [200.5, false],
  ])('a %s answer is %s stored (else the lock is released)', async (statusCode, stored) => {
    const { handler, runs } = paymentHandler({}, () => ({ statusCode, body: String(statusCode) }))
    const key = newKey()
    await invoke(handler, payment(key))
    const record = await readRecord(tables.records.name, recordKeyOf(key))
    if (stored) expect(record).toMatchObject({ status: 'COMPLETED' })
    else expect(record).toBeUndefined()
    const again = await invoke(handler, payment(key))
    expect(again.statusCode).toBe(statusCode)
    expect(runs.count).toBe(stored ? 1 : 2)
  })

  it('releases the lock when the handler throws, without swallowing the error', async () => {
    let fail = true
    const { handler, runs } = paymentHandler({}, () => {
      if (fail) throw new Error('card network down')
      return { statusCode: 201 }
    })
    const key = newKey()
    expect((await rejection(invoke(handler, payment(key)))).message).toBe('card network down')
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toBeUndefined()
    fail = false
    expect((await invoke(handler, payment(key))).statusCode).toBe(201)
    expect(runs.count).toBe(2)
  })

  it('follows a custom storeResponse', async () => {
    const { handler, runs } = paymentHandler(
      { storeResponse: (response: any) => response.statusCode !== 402 },
      (run) => ({
        statusCode: run === 1 ? 402 : 201,
      }),
    )
    const key = newKey()
    expect((await invoke(handler, payment(key))).statusCode).toBe(402)
    expect((await invoke(handler, payment(key))).statusCode).toBe(201)
    expect((await invoke(handler, payment(key))).statusCode).toBe(201)
    expect(runs.count).toBe(2)
  })
})

describe('keys', () => {
  it('answers 400 to a request without a key, and runs nothing', async () => {
    const { handler, runs } = paymentHandler()
    const result = await invoke(handler, payment(undefined))
    expect(result).toEqual({
      statusCode: 400,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        error: {
          name: 'IdempotencyKeyMissingError',
          message: 'This operation needs an idempotency key in the Idempotency-Key header',
        },
      }),
    })
    expect(runs.count).toBe(0)
  })

  it.each([
    ['empty', ''],
    ['too long', 'k'.repeat(256)],
    ['non-printable', 'key\u0001'],
  ])('answers 400 to an %s key without echoing it', async (_label, key) => {
    const { handler, runs } = paymentHandler()
    const result = await invoke(handler, payment(key))
    expect(result.statusCode).toBe(400)
    expect(body(result).error.name).toBe('IdempotencyKeyInvalidError')
    if (key) expect(result.body).not.toContain(key)
    expect(runs.count).toBe(0)
  })

  it('with required: false, runs a keyless request without idempotency', async () => {
    const { handler, runs } = paymentHandler({ required: false }, () => ({ statusCode: 200 }))
    await invoke(handler, payment(undefined))
    await invoke(handler, payment(undefined))
    expect(runs.count).toBe(2)
  })

  it('uses a custom header name', async () => {
    const { handler, runs } = paymentHandler({ header: 'X-Request-Token' }, () => ({ statusCode: 200 }))
    const key = newKey()
    const event = () =>
      httpApiEvent({ method: 'POST', path: '/payments', body: {}, headers: { 'x-request-token': key } })
    await invoke(handler, event())
    expect((await invoke(handler, event())).headers?.[REPLAYED_HEADER]).toBe('true')
    expect(runs.count).toBe(1)
  })

  it('names the configured header when it is missing', async () => {
    const { handler, runs } = paymentHandler({ header: 'Payment-Key' })
    const result = await invoke(handler, payment(newKey())) // sent as Idempotency-Key: not the configured one
    expect(result.statusCode).toBe(400)
    expect(body(result).error).toEqual({
      name: 'IdempotencyKeyMissingError',
      message: 'This operation needs an idempotency key in the Payment-Key header',
    })
    expect(runs.count).toBe(0)
  })

  it.each([
    ['undefined', undefined],
    ['null', null],
  ])(
    'with a key extractor that returns %s, answers 400 without mentioning a header',
    async (_label, found) => {
      const { handler, runs } = paymentHandler({ key: () => found })
      const result = await invoke(handler, payment(newKey()))
      expect(result.statusCode).toBe(400)
      expect(body(result).error).toEqual({
        name: 'IdempotencyKeyMissingError',
        message: 'This operation needs an idempotency key, and the request carries none',
      })
      expect(result.body).not.toMatch(/header/i)
      expect(runs.count).toBe(0)
      // With required: false, the same request runs without idempotency.
      const optional = paymentHandler({ key: () => found, required: false }, () => ({
        statusCode: 200,
      }))
      expect((await invoke(optional.handler, payment(newKey()))).statusCode).toBe(200)
      expect(optional.runs.count).toBe(1)
    },
  )

  it('reads the key through an extractor (here a query parameter) instead of the header', async () => {
    const { handler, runs } = paymentHandler(
      { key: (event: any) => event.queryStringParameters?.paymentRef },
      () => ({ statusCode: 201 }),
    )
    const key = newKey()
    const event = () =>
      httpApiEvent({
        method: 'POST',
        path: '/payments',
        body: {},
        queryStringParameters: { paymentRef: key },
      })
    await invoke(handler, event())
    expect((await invoke(handler, event())).headers?.[REPLAYED_HEADER]).toBe('true')
    expect(runs.count).toBe(1)
  })

  it('scopes records by path: the same key on another resource is another record', async () => {
    const { handler, runs } = paymentHandler({}, () => ({ statusCode: 201 }))
    const key = newKey()
    await invoke(handler, payment(key, { amount: 1 }, '/accounts/A/payments'))
    const other = await invoke(handler, payment(key, { amount: 1 }, '/accounts/B/payments'))
    expect(other.headers?.[REPLAYED_HEADER]).toBeUndefined()
    expect(runs.count).toBe(2)
  })

  it('answers 400 when the key with its scope is too long for a DynamoDB key (a path of 2 KB)', async () => {
    const { handler, runs } = paymentHandler({}, () => ({ statusCode: 201 }))
    const result = await invoke(handler, payment(newKey(), { amount: 1 }, `/payments/${'p'.repeat(2100)}`))
    expect(result.statusCode).toBe(400)
    expect(body(result).error.name).toBe('IdempotencyKeyInvalidError')
    expect(runs.count).toBe(0)
  })

  it('scopes records by a configured operation', async () => {
    const { handler, runs } = paymentHandler({ operation: 'create-payment' }, () => ({ statusCode: 201 }))
    const key = newKey()
    await invoke(handler, payment(key, {}, '/v1/payments'))
    expect((await invoke(handler, payment(key, {}, '/v2/payments'))).headers?.[REPLAYED_HEADER]).toBe('true')
    expect(runs.count).toBe(1)
    expect(await readRecord(tables.records.name, `#create-payment#${key}`)).toMatchObject({
      status: 'COMPLETED',
    })
  })

  it('refuses a payload that cannot be fingerprinted with 400', async () => {
    const { handler, runs } = paymentHandler({ payload: () => ({ amount: 10n }) })
    const result = await invoke(handler, payment(newKey()))
    expect(result.statusCode).toBe(400)
    expect(body(result).error.name).toBe('IdempotencyPayloadInvalidError')
    expect(runs.count).toBe(0)
  })
})

describe('partners', () => {
  it("keeps records in the partner's account and scope: two partners never share a key", async () => {
    // Partner B's table names carry a prefix; its records table is created under that name.
    const partnerClient = localDynamoClient(endpoint)
    const partnerA = createDb({ client: partnerClient })
    const runs: string[] = []
    const handlerFor = (partnerId: string) =>
      middy()
        .use(httpJsonBodyParser())
        .use(clientMiddleware())
        .use(fakePartner(partnerId, partnerA))
        .use(idempotency({ table: tables.records.name }))
        .handler(async (event: any, context: any) => {
          runs.push(partnerId)
          // Written through the partner's Db: the completion must go the same way, or the commit
          // would span two clients and fail.
          context.partner.db.unitOfWork.add(
            paymentWrite(tables.payments.name, `${partnerId}-${context.idempotency.key}`, event.body.amount),
          )
          return { statusCode: 201, body: partnerId }
        }) as unknown as Handler
    const key = newKey()
    expect((await invoke(handlerFor('partner-a'), payment(key))).body).toBe('partner-a')
    expect((await invoke(handlerFor('partner-b'), payment(key))).body).toBe('partner-b')
    expect((await invoke(handlerFor('partner-a'), payment(key))).headers?.[REPLAYED_HEADER]).toBe('true')
    expect(runs).toEqual(['partner-a', 'partner-b'])
    expect(await readRecord(tables.records.name, `partner-a#POST /payments#${key}`)).toMatchObject({
      status: 'COMPLETED',
    })
    expect(await readRecord(tables.records.name, `partner-b#POST /payments#${key}`)).toMatchObject({
      status: 'COMPLETED',
    })
  })
})

describe('httpResponses: false', () => {
  it('throws typed errors instead of answering', async () => {
    const { handler } = paymentHandler({ httpResponses: false })
    const missing = await rejection(invoke(handler, payment(undefined)))
    expect(isDynamormError(missing, 'IdempotencyKeyMissingError')).toBe(true)
    expect(missing.status).toBe(400)
    const key = newKey()
    await invoke(handler, payment(key, { amount: 1 }))
    const mismatch = await rejection(invoke(handler, payment(key, { amount: 2 })))
    expect(isDynamormError(mismatch, 'IdempotencyPayloadMismatchError')).toBe(true)
    expect(mismatch.status).toBe(422)
  })
})

describe('configuration', () => {
  it('refuses to run without context.db', async () => {
    const handler = middy()
      .use(idempotency({ table: tables.records.name }))
      .handler(async () => ({ statusCode: 200 })) as unknown as Handler
    const error = await rejection(invoke(handler, payment(newKey())))
    expect(isDynamormError(error, 'IdempotencyConfigurationError')).toBe(true)
    expect(error.message).toContain('dynamoClient()')
  })

  it.each([
    ['ttlSeconds', 0],
    ['leaseMs', -1],
    ['maxResponseBytes', Number.NaN],
  ])('refuses %s = %s when the middleware is made', (name, value) => {
    expect(() => idempotency({ [name]: value })).toThrow(new RegExp(`${name} must be a positive number`))
  })

  it.each([-1, Number.NaN])('refuses leaseMarginMs = %s: the lease must end by the deadline', (value) => {
    expect(() => idempotency({ leaseMarginMs: value })).toThrow(/leaseMarginMs must be 0 or more/)
  })

  // The record writes these itself: a key named ownerToken made each request its own record (a
  // duplicate charged twice), a TTL named leaseExpiresAt ended every lease at once.
  it.each([
    ['partitionKey', 'ownerToken'],
    ['partitionKey', 'fingerprint'],
    ['partitionKey', 'requestId'],
    ['sortKey', 'status'],
    ['ttlAttribute', 'leaseExpiresAt'],
    ['ttlAttribute', 'response'],
  ])('refuses %s = %s, a record attribute, when the middleware is made', (option, name) => {
    expect(() => idempotency({ [option]: name })).toThrow(
      new RegExp(`${option} '${name}' is an attribute the record itself writes`),
    )
  })

  it.each([{ ttlAttribute: 'pk' }, { sortKey: 'pk' }, { sortKey: 'expiresAt' }])(
    'refuses a key or TTL attribute named twice (%o)',
    (names) => {
      expect(() => idempotency(names)).toThrow(
        /partitionKey, sortKey and ttlAttribute must name different attributes/,
      )
    },
  )

  it('sizes the lease from the Lambda’s remaining time, never past it', async () => {
    const leases: number[] = []
    const handler = middy()
      .use(httpJsonBodyParser())
      .use(clientMiddleware())
      .use(idempotency({ table: tables.records.name, leaseMs: 60_000, leaseMarginMs: 1000 }))
      .handler(async (_event, context) => {
        // The lock as written, read while it is held: lease end minus lock time.
        const lock = await readRecord(tables.records.name, context.idempotency.recordKey)
        leases.push((lock?.leaseExpiresAt as number) - (lock?.lockedAt as number))
        return { statusCode: 200 }
      }) as unknown as Handler
    await invoke(handler, payment(newKey()), lambdaContext({ timeoutMs: 10_000 }))
    await invoke(handler, payment(newKey()), lambdaContext({ timeoutMs: 120_000 }))
    // 10 s Lambda: at most its remaining time minus the margin. 120 s Lambda: the 60 s cap.
    expect(leases[0]).toBeGreaterThanOrEqual(1)
    expect(leases[0]).toBeLessThanOrEqual(9_000)
    expect(leases[1]).toBe(60_000)
  })

  it('exposes key, record key and fingerprint to the handler', async () => {
    let seen: unknown
    const handler = middy()
      .use(httpJsonBodyParser())
      .use(clientMiddleware())
      .use(idempotency({ table: tables.records.name }))
      .handler(async (_event, context) => {
        seen = context.idempotency
        return { statusCode: 200 }
      }) as unknown as Handler
    const key = newKey()
    await invoke(handler, payment(key, { b: 1, a: 2 }))
    expect(seen).toEqual({
      key,
      recordKey: recordKeyOf(key),
      fingerprint: (await import('../src/index.ts')).fingerprint({ a: 2, b: 1 }),
      replayed: false,
      leaseExpiresAt: expect.any(Number),
      takeover: undefined,
    })
  })
})
