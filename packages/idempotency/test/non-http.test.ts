// Non-HTTP events: SQS and EventBridge with key extractors; refusals are thrown as typed errors.
import { isDynamormError } from '@dynamorm/core'
import { lambdaContext } from '@dynamorm/testing'
import middy from '@middy/core'
import type { EventBridgeEvent, SQSEvent } from 'aws-lambda'
import { beforeAll, describe, expect, it } from 'vitest'
import { idempotency } from '../src/index.ts'
import {
  clientMiddleware,
  gate,
  invoke,
  paymentWrite,
  readRecord,
  rejection,
  tablesForFile,
} from './fixtures.ts'

const tables = tablesForFile('events-')

function sqsEvent(body: object, receiveCount: number): SQSEvent {
  return {
    Records: [
      {
        messageId: `m-${receiveCount}`,
        receiptHandle: `r-${receiveCount}`,
        body: JSON.stringify(body),
        attributes: {
          ApproximateReceiveCount: String(receiveCount),
          SentTimestamp: '1767225600000',
          SenderId: 'AIDA',
          ApproximateFirstReceiveTimestamp: '1767225600000',
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:payouts',
        awsRegion: 'us-east-1',
      },
    ],
  }
}

describe('SQS', () => {
  const runs: string[] = []
  let held: ReturnType<typeof gate> | undefined
  const payoutHandler = () =>
    middy<SQSEvent, { settled: string }>()
      .use(clientMiddleware())
      .use(
        idempotency<SQSEvent>({
          table: tables.records.name,
          // The business key travels in the message; redeliveries differ in receive count and receipt.
          key: (event) => JSON.parse(event.Records[0]?.body ?? '{}').payoutId,
          payload: (event) => JSON.parse(event.Records[0]?.body ?? 'null'),
          operation: 'payout',
        }),
      )
      .handler(async (event, context) => {
        const payout = JSON.parse(event.Records[0]!.body)
        runs.push(payout.payoutId)
        await held?.promise
        context.db.unitOfWork.add(paymentWrite(tables.payments.name, payout.payoutId, payout.amount))
        return { settled: payout.payoutId }
      })
  let handler: ReturnType<typeof payoutHandler>
  beforeAll(() => {
    handler = payoutHandler()
  })

  it('processes a redelivered message once and hands back the stored result', async () => {
    const payoutId = `payout-${Date.now()}`
    expect(await invoke(handler, sqsEvent({ payoutId, amount: 7 }, 1))).toEqual({ settled: payoutId })
    // No replay header on non-HTTP results: the stored result comes back exactly.
    expect(await invoke(handler, sqsEvent({ amount: 7, payoutId }, 2))).toEqual({ settled: payoutId })
    expect(runs.filter((id) => id === payoutId)).toHaveLength(1)
    expect(await readRecord(tables.records.name, `#payout#${payoutId}`)).toMatchObject({
      status: 'COMPLETED',
    })
  })

  it('throws IdempotencyInFlightError (409, retryAfterSeconds) to a redelivery while the first runs', async () => {
    const payoutId = `payout-${Date.now()}-busy`
    held = gate()
    const first = invoke(handler, sqsEvent({ payoutId, amount: 7 }, 1))
    while ((await readRecord(tables.records.name, `#payout#${payoutId}`)) === undefined);
    const error = (await rejection(invoke(handler, sqsEvent({ payoutId, amount: 7 }, 2)))) as Error & {
      retryAfterSeconds: number
      status: number
    }
    expect(isDynamormError(error, 'IdempotencyInFlightError')).toBe(true)
    expect(error.status).toBe(409)
    expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1)
    held.open()
    held = undefined
    expect(await first).toEqual({ settled: payoutId })
  })

  it('throws IdempotencyPayloadMismatchError (422) for the same payout id with another amount', async () => {
    const payoutId = `payout-${Date.now()}-mismatch`
    await invoke(handler, sqsEvent({ payoutId, amount: 7 }, 1))
    const error = await rejection(invoke(handler, sqsEvent({ payoutId, amount: 8 }, 1)))
    expect(isDynamormError(error, 'IdempotencyPayloadMismatchError')).toBe(true)
    expect(error.status).toBe(422)
  })

  it('throws IdempotencyKeyMissingError (400) for a message without the key, naming no header', async () => {
    const error = await rejection(invoke(handler, sqsEvent({ amount: 7 }, 1)))
    expect(isDynamormError(error, 'IdempotencyKeyMissingError')).toBe(true)
    expect(error.status).toBe(400)
    expect(error.message).toBe('This operation needs an idempotency key, and the event carries none')
    // A key field present but null (JSON has no undefined) is just as missing, not an invalid key.
    const nullKey = await rejection(invoke(handler, sqsEvent({ payoutId: null, amount: 7 }, 1)))
    expect(isDynamormError(nullKey, 'IdempotencyKeyMissingError')).toBe(true)
    expect(runs).not.toContain(null)
  })
})

describe('which non-HTTP results are stored', () => {
  it.each([
    ['an object without a status', { settled: true }, true],
    ['a string', 'settled', true],
    ['a number', 0, true],
    ['null', null, true],
    ['an empty batch response', { batchItemFailures: [] }, true],
    ['a result saying 302', { statusCode: 302 }, true],
    ['a result saying 400', { statusCode: 400 }, true],
    // A statusCode means the same whatever the event: "try again" answers release the lock.
    ['a result saying 409', { statusCode: 409 }, false],
    ['a result saying 503', { statusCode: 503 }, false],
  ])('%s is %s stored', async (_label, result, stored) => {
    let runs = 0
    const handler = middy<SQSEvent, unknown>()
      .use(clientMiddleware())
      .use(
        idempotency<SQSEvent>({
          table: tables.records.name,
          key: (event) => JSON.parse(event.Records[0]?.body ?? '{}').payoutId,
        }),
      )
      .handler(async () => {
        runs += 1
        return result
      })
    const payoutId = `payout-${Date.now()}-${Math.random()}`
    expect(await invoke(handler, sqsEvent({ payoutId }, 1))).toEqual(result)
    expect(await invoke(handler, sqsEvent({ payoutId }, 2))).toEqual(result)
    expect(runs).toBe(stored ? 1 : 2)
    const record = await readRecord(tables.records.name, `#test-function#${payoutId}`)
    if (stored) expect(record).toMatchObject({ status: 'COMPLETED' })
    else expect(record).toBeUndefined()
  })
})

describe('EventBridge', () => {
  type Settlement = EventBridgeEvent<'SettlementRequested', { batchId: string }>
  const event = (id: string, batchId: string): Settlement => ({
    version: '0',
    id,
    'detail-type': 'SettlementRequested',
    source: 'payments.settlement',
    account: '123456789012',
    time: '2026-01-01T00:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: { batchId },
  })

  it('uses the event id as key, source, detail-type and detail as payload and the function name as operation', async () => {
    let runs = 0
    const handler = middy<Settlement, void>()
      .use(clientMiddleware())
      .use(idempotency<Settlement>({ table: tables.records.name, key: (settlement) => settlement.id }))
      .handler(async () => {
        runs += 1
      })
    const id = `evt-${Date.now()}`
    const context = () => lambdaContext({ functionName: 'settle-batches' })
    expect(await invoke(handler, event(id, 'b-1'), context())).toBeUndefined()
    expect(await invoke(handler, event(id, 'b-1'), context())).toBeUndefined()
    expect(runs).toBe(1)
    expect(await readRecord(tables.records.name, `#settle-batches#${id}`)).toMatchObject({
      status: 'COMPLETED',
      responseEncoding: 'none',
    })
    // EventBridge delivers a retried event unchanged; a changed one under the same id is refused.
    expect(
      isDynamormError(
        await rejection(invoke(handler, event(id, 'b-2'), context())),
        'IdempotencyPayloadMismatchError',
      ),
    ).toBe(true)
  })
})
