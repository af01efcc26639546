import { httpApiEvent } from '@dynamorm/testing'
import middy from '@middy/core'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import { expect, it } from 'vitest'
import { idempotency, REPLAYED_HEADER } from '../src/index.ts'
import {
  clientMiddleware,
  type HttpHandler,
  invoke,
  paymentWrite,
  readPayment,
  readRecord,
  tablesForFile,
} from './fixtures.ts'

const tables = tablesForFile('concurrency-')

it('runs each of 20 keys exactly once under 50 concurrent duplicates each', async () => {
  const keys = Array.from({ length: 20 }, (_, index) => `burst-${Date.now()}-${index}`)
  const runs = new Map<string, number>()
  const handler = middy()
    .use(httpJsonBodyParser())
    .use(clientMiddleware())
    .use(idempotency({ table: tables.records.name }))
    .handler(async (event: any, context) => {
      const key = context.idempotency.key
      runs.set(key, (runs.get(key) ?? 0) + 1)
      // A payment write that fails if it already exists: a second run could not hide.
      context.db.unitOfWork.add(paymentWrite(tables.payments.name, key, event.body.amount))
      return { statusCode: 201, body: JSON.stringify({ key, amount: event.body.amount }) }
    }) as unknown as HttpHandler

  const calls = keys.flatMap((key, index) =>
    Array.from({ length: 50 }, () =>
      invoke(
        handler,
        httpApiEvent({
          method: 'POST',
          path: '/payments',
          body: { amount: index + 1 },
          headers: { 'idempotency-key': key },
        }),
      ).then((result) => ({ key, result })),
    ),
  )
  const outcomes = await Promise.all(calls)

  expect(outcomes).toHaveLength(1000)
  for (const [index, key] of keys.entries()) {
    expect(runs.get(key)).toBe(1)
    const mine = outcomes.filter((outcome) => outcome.key === key).map((outcome) => outcome.result)
    const original = mine.filter((result) => result.statusCode === 201 && !result.headers?.[REPLAYED_HEADER])
    const replays = mine.filter((result) => result.headers?.[REPLAYED_HEADER] === 'true')
    const inFlight = mine.filter((result) => result.statusCode === 409)
    expect(original).toHaveLength(1)
    expect(original.length + replays.length + inFlight.length).toBe(50)
    for (const replay of replays) expect(replay.body).toBe(original[0]!.body)
    for (const busy of inFlight) {
      expect(JSON.parse(busy.body!).error.name).toBe('IdempotencyInFlightError')
      expect(Number(busy.headers?.['retry-after'])).toBeGreaterThanOrEqual(1)
    }
    expect(await readPayment(tables.payments.name, key)).toMatchObject({ amount: index + 1 })
    expect(await readRecord(tables.records.name, `#POST /payments#${key}`)).toMatchObject({
      status: 'COMPLETED',
    })
  }

  // Once the burst is over, every retry is a replay.
  const after = await invoke(
    handler,
    httpApiEvent({
      method: 'POST',
      path: '/payments',
      body: { amount: 1 },
      headers: { 'idempotency-key': keys[0]! },
    }),
  )
  expect(after.headers?.[REPLAYED_HEADER]).toBe('true')
}, 120_000)
