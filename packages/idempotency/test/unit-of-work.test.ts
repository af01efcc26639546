// The completion commits in the request's unit of work: the business write and the completion land
// together or not at all.
import { isDynamormError } from '@dynamorm/core'
import { httpApiEvent } from '@dynamorm/testing'
import middy from '@middy/core'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import { describe, expect, it } from 'vitest'
import { COMPLETION_LABEL, idempotency, REPLAYED_HEADER } from '../src/index.ts'
import {
  clientMiddleware,
  type HttpHandler,
  invoke,
  paymentWrite,
  putRawRecord,
  readPayment,
  readRecord,
  rejection,
  tablesForFile,
} from './fixtures.ts'

const tables = tablesForFile('uow-')

const payment = (key: string, paymentId: string) =>
  httpApiEvent({
    method: 'POST',
    path: '/payments',
    body: { paymentId },
    headers: { 'idempotency-key': key },
  })

let queued: string[] = []
const handler = () =>
  middy()
    .use(httpJsonBodyParser())
    .use(clientMiddleware())
    .use(idempotency({ table: tables.records.name }))
    .use({
      // Sees what the unit of work holds once idempotency's after has run (afters run in reverse).
      after: (request) => {
        queued = (request.context as any).db.unitOfWork.size
      },
    })
    .handler(async (event: any, context) => {
      context.db.unitOfWork.add(paymentWrite(tables.payments.name, event.body.paymentId, 10), {
        label: 'payment',
      })
      return { statusCode: 201, body: event.body.paymentId }
    }) as unknown as HttpHandler

it('commits the payment and the completion in one transaction', async () => {
  const key = `uow-${Date.now()}-1`
  expect((await invoke(handler(), payment(key, `${key}-p`))).statusCode).toBe(201)
  expect(await readPayment(tables.payments.name, `${key}-p`)).toMatchObject({ amount: 10 })
  expect(await readRecord(tables.records.name, `#POST /payments#${key}`)).toMatchObject({
    status: 'COMPLETED',
  })
  // Before the completion was queued the handler had queued 1; idempotency's after adds the second.
  expect(queued).toBe(1)
})

it('lands neither when the business write fails: the lock is released and the retry runs', async () => {
  const key = `uow-${Date.now()}-2`
  const paymentId = `${key}-p`
  // The payment exists already: the handler's conditional write will cancel the transaction.
  await putRawRecord(tables.payments.name, { pk: `PAYMENT#${paymentId}`, sk: 'V1', amount: 99 })
  const error = (await rejection(invoke(handler(), payment(key, paymentId)))) as Error & {
    reasons: Array<{ label?: string; code: string }>
  }
  expect(isDynamormError(error, 'TransactionCancelledError')).toBe(true)
  expect(error.reasons.find((reason) => reason.label === 'payment')?.code).toBe('ConditionalCheckFailed')
  expect(error.reasons.find((reason) => reason.label === COMPLETION_LABEL)?.code).toBe('None')
  expect(await readPayment(tables.payments.name, paymentId)).toMatchObject({ amount: 99 })
  expect(await readRecord(tables.records.name, `#POST /payments#${key}`)).toBeUndefined()
})

it('lands neither when the completion fails (lease lost): the payment is not written', async () => {
  const key = `uow-${Date.now()}-3`
  const paymentId = `${key}-p`
  let hijack: (() => Promise<void>) | undefined
  let seenByLaterMiddleware: string | undefined
  const stolen = middy()
    .use(httpJsonBodyParser())
    .use(clientMiddleware())
    .use(idempotency({ table: tables.records.name }))
    // Used after idempotency, as auditTrail() is: its onError runs first and must already see the cause.
    .use({
      onError: (request) => {
        seenByLaterMiddleware = request.error?.name
      },
    })
    .handler(async (event: any, context) => {
      // Another owner replaces the lock while this handler works (as after a lease takeover).
      await hijack?.()
      context.db.unitOfWork.add(paymentWrite(tables.payments.name, event.body.paymentId, 10), {
        label: 'payment',
      })
      return { statusCode: 201 }
    }) as unknown as HttpHandler
  hijack = async () => {
    const current = await readRecord(tables.records.name, `#POST /payments#${key}`)
    await putRawRecord(tables.records.name, { ...current, ownerToken: 'another-owner' })
  }
  const result = await invoke(stolen, payment(key, paymentId))
  expect(result.statusCode).toBe(409)
  expect(JSON.parse(result.body!).error.name).toBe('IdempotencyLeaseLostError')
  expect(seenByLaterMiddleware).toBe('IdempotencyLeaseLostError')
  expect(await readPayment(tables.payments.name, paymentId)).toBeUndefined()
  expect(await readRecord(tables.records.name, `#POST /payments#${key}`)).toMatchObject({
    ownerToken: 'another-owner',
    status: 'IN_PROGRESS',
  })
})

it('replays after a committed request without touching the unit of work again', async () => {
  const key = `uow-${Date.now()}-4`
  await invoke(handler(), payment(key, `${key}-p`))
  queued = []
  const replay = await invoke(handler(), payment(key, `${key}-p`))
  expect(replay.headers?.[REPLAYED_HEADER]).toBe('true')
  // The early response skipped the handler and every after: nothing was queued or committed.
  expect(queued).toEqual([])
})

it('releases through the unit of work when a 5xx answer comes with queued writes', async () => {
  const key = `uow-${Date.now()}-5`
  const failing = middy()
    .use(httpJsonBodyParser())
    .use(clientMiddleware())
    .use(idempotency({ table: tables.records.name }))
    .handler(async (event: any, context) => {
      // e.g. a failed-attempt record the handler keeps even though it answers 502
      context.db.unitOfWork.add(paymentWrite(tables.payments.name, event.body.paymentId, 0), {
        label: 'attempt',
      })
      return { statusCode: 502 }
    }) as unknown as HttpHandler
  expect((await invoke(failing, payment(key, `${key}-attempt`))).statusCode).toBe(502)
  expect(await readPayment(tables.payments.name, `${key}-attempt`)).toMatchObject({ amount: 0 })
  expect(await readRecord(tables.records.name, `#POST /payments#${key}`)).toBeUndefined()
})

describe('a lost lease with nothing else queued (direct completion)', () => {
  const hijacked = (httpResponses: boolean) => {
    let key = ''
    const handler = middy()
      .use(httpJsonBodyParser())
      .use(clientMiddleware())
      .use(idempotency({ table: tables.records.name, httpResponses }))
      .handler(async (_event, context) => {
        key = context.idempotency.recordKey
        const current = await readRecord(tables.records.name, key)
        await putRawRecord(tables.records.name, { ...current, ownerToken: 'another-owner' })
        return { statusCode: 201 }
      }) as unknown as HttpHandler
    return { handler, recordKey: () => key }
  }

  it('answers 409 IdempotencyLeaseLostError and leaves the new owner’s record alone', async () => {
    const { handler, recordKey } = hijacked(true)
    const result = await invoke(handler, payment(`uow-${Date.now()}-6`, 'x'))
    expect(result.statusCode).toBe(409)
    expect(JSON.parse(result.body!).error.name).toBe('IdempotencyLeaseLostError')
    expect(await readRecord(tables.records.name, recordKey())).toMatchObject({
      ownerToken: 'another-owner',
      status: 'IN_PROGRESS',
    })
  })

  it('throws IdempotencyLeaseLostError for callers that asked for errors', async () => {
    const { handler, recordKey } = hijacked(false)
    const error = await rejection(invoke(handler, payment(`uow-${Date.now()}-7`, 'x')))
    expect(isDynamormError(error, 'IdempotencyLeaseLostError')).toBe(true)
    expect(error.status).toBe(409)
    expect(await readRecord(tables.records.name, recordKey())).toMatchObject({ ownerToken: 'another-owner' })
  })
})
