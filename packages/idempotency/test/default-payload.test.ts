// The default payload of non-HTTP events: what a message says, never how it was delivered. A
// redelivered SQS message (new receipt handle, higher receive count) or a re-put EventBridge event
// (new id and time) is the same request and is replayed; a different body, attribute or detail is a 422.
import { isDynamormError } from '@dynamorm/core'
import { eventBridgeEvent, lambdaContext, type SqsRecordOptions, sqsEvent } from '@dynamorm/testing'
import middy from '@middy/core'
import type { EventBridgeEvent, SQSEvent, SQSRecord } from 'aws-lambda'
import { describe, expect, it } from 'vitest'
import { fingerprint, idempotency } from '../src/index.ts'
import { clientMiddleware, invoke, readRecord, rejection, tablesForFile } from './fixtures.ts'

const tables = tablesForFile('payload-')

let seq = 0
const unique = (prefix: string) => `${prefix}-${Date.now()}-${++seq}`
const context = () => lambdaContext({ functionName: 'settle' })

async function mismatch(promise: Promise<unknown>): Promise<boolean> {
  const error = await rejection(promise)
  return isDynamormError(error, 'IdempotencyPayloadMismatchError') && error.status === 422
}

describe('SQS event (the batch Lambda delivers), keyed by message id', () => {
  const runs: string[] = []
  const handler = () =>
    middy<SQSEvent, { settled: string }>()
      .use(clientMiddleware())
      .use(
        idempotency<SQSEvent>({
          table: tables.records.name,
          // No payload option: the default must ignore what changes between deliveries.
          key: (event) => event.Records[0]?.messageId,
        }),
      )
      .handler(async (event) => {
        runs.push(event.Records[0]!.messageId)
        return { settled: event.Records[0]!.messageId }
      })
  const message = (messageId: string, overrides: Partial<SqsRecordOptions> = {}) =>
    sqsEvent({
      queueArn: 'arn:aws:sqs:us-east-1:123456789012:payouts',
      records: [
        {
          messageId,
          body: { payoutId: messageId, amount: 4200, currency: 'EUR' },
          messageAttributes: { partner: 'acme', priority: 1 },
          sentTimestamp: 1_767_225_600_000,
          ...overrides,
        },
      ],
    })

  it('replays a redelivery: same message id, body and attributes, new receipt handle and receive count', async () => {
    const settle = handler()
    const messageId = unique('m')
    const first = message(messageId)
    const redelivery = message(messageId, { receiveCount: 2, firstReceiveTimestamp: 1_767_225_630_000 })
    expect(redelivery.Records[0]!.receiptHandle).not.toBe(first.Records[0]!.receiptHandle)
    expect(await invoke(settle, first, context())).toEqual({ settled: messageId })
    expect(await invoke(settle, redelivery, context())).toEqual({ settled: messageId })
    expect(await invoke(settle, message(messageId, { receiveCount: 5 }), context())).toEqual({
      settled: messageId,
    })
    expect(runs.filter((id) => id === messageId)).toHaveLength(1)
    // The fingerprint covers each record's body and attribute values, nothing of the delivery.
    const body = first.Records[0]!.body
    expect(await readRecord(tables.records.name, `#settle#${messageId}`)).toMatchObject({
      status: 'COMPLETED',
      fingerprint: fingerprint([
        {
          body,
          messageAttributes: {
            partner: { dataType: 'String', stringValue: 'acme' },
            priority: { dataType: 'Number', stringValue: '1' },
          },
        },
      ]),
    })
  })

  it('refuses (422) the same message id with another body or other attribute values', async () => {
    const settle = handler()
    const messageId = unique('m')
    await invoke(settle, message(messageId), context())
    expect(
      await mismatch(
        invoke(settle, message(messageId, { body: { payoutId: messageId, amount: 9900 } }), context()),
      ),
    ).toBe(true)
    expect(
      await mismatch(
        invoke(
          settle,
          message(messageId, { messageAttributes: { partner: 'other', priority: 1 } }),
          context(),
        ),
      ),
    ).toBe(true)
    // The same value under another data type is another message.
    expect(
      await mismatch(
        invoke(
          settle,
          message(messageId, {
            messageAttributes: { partner: 'acme', priority: { dataType: 'String', value: '1' } },
          }),
          context(),
        ),
      ),
    ).toBe(true)
    expect(runs.filter((id) => id === messageId)).toHaveLength(1)
  })

  it('fingerprints the body as sent: no JSON re-reading that could make two amounts equal', async () => {
    const settle = handler()
    const messageId = unique('m')
    // Both parse to the same double; as text they are different payments.
    await invoke(settle, message(messageId, { body: '{"amount":9007199254740993}' }), context())
    expect(
      await mismatch(invoke(settle, message(messageId, { body: '{"amount":9007199254740992}' }), context())),
    ).toBe(true)
  })
})

describe('SQS record handled one by one, keyed by the producer’s event id', () => {
  it('replays a producer’s re-send (new message id and send time) of the same event', async () => {
    let runs = 0
    const settle = middy<SQSRecord, string>()
      .use(clientMiddleware())
      .use(
        idempotency<SQSRecord>({
          table: tables.records.name,
          key: (record) => record.messageAttributes.eventId?.stringValue,
        }),
      )
      .handler(async (record) => {
        runs += 1
        return `settled ${record.body}`
      })
    const eventId = unique('evt')
    const send = (options: Partial<SqsRecordOptions>) =>
      sqsEvent({ records: [{ body: 'payout po-7 4200 EUR', messageAttributes: { eventId }, ...options }] })
        .Records[0]!
    expect(await invoke(settle, send({ sentTimestamp: 1 }), context())).toBe('settled payout po-7 4200 EUR')
    expect(await invoke(settle, send({ sentTimestamp: 2, receiveCount: 3 }), context())).toBe(
      'settled payout po-7 4200 EUR',
    )
    expect(runs).toBe(1)
    expect(await mismatch(invoke(settle, send({ body: 'payout po-7 9900 EUR' }), context()))).toBe(true)
    expect(runs).toBe(1)
  })
})

describe('EventBridge event, keyed by a business id in the detail', () => {
  type Settlement = EventBridgeEvent<'SettlementRequested', { batchId: string; total: number }>
  const settlement = (batchId: string, overrides: Partial<Parameters<typeof eventBridgeEvent>[0]> = {}) =>
    eventBridgeEvent({
      source: 'payments.settlement',
      detailType: 'SettlementRequested',
      detail: { batchId, total: 4200 },
      ...overrides,
    }) as Settlement

  const handler = (counter: { runs: number }) =>
    middy<Settlement, { batch: string }>()
      .use(clientMiddleware())
      .use(idempotency<Settlement>({ table: tables.records.name, key: (event) => event.detail.batchId }))
      .handler(async (event) => {
        counter.runs += 1
        return { batch: event.detail.batchId }
      })

  it('replays a retried delivery and a producer’s re-put (new id and time) of the same event', async () => {
    const counter = { runs: 0 }
    const settle = handler(counter)
    const batchId = unique('b')
    const original = settlement(batchId, { id: 'evt-1', time: '2026-01-01T00:00:00Z' })
    expect(await invoke(settle, original, context())).toEqual({ batch: batchId })
    expect(await invoke(settle, { ...original }, context())).toEqual({ batch: batchId })
    const reput = settlement(batchId, { id: 'evt-2', time: '2026-01-01T00:00:07Z', resources: ['arn:x'] })
    expect(await invoke(settle, reput, context())).toEqual({ batch: batchId })
    expect(counter.runs).toBe(1)
    expect(await readRecord(tables.records.name, `#settle#${batchId}`)).toMatchObject({
      fingerprint: fingerprint({
        source: 'payments.settlement',
        'detail-type': 'SettlementRequested',
        detail: { batchId, total: 4200 },
      }),
    })
  })

  it('refuses (422) another detail, detail type or source under the same key', async () => {
    const counter = { runs: 0 }
    const settle = handler(counter)
    const batchId = unique('b')
    await invoke(settle, settlement(batchId), context())
    expect(
      await mismatch(invoke(settle, settlement(batchId, { detail: { batchId, total: 9900 } }), context())),
    ).toBe(true)
    expect(
      await mismatch(invoke(settle, settlement(batchId, { detailType: 'SettlementCancelled' }), context())),
    ).toBe(true)
    expect(
      await mismatch(invoke(settle, settlement(batchId, { source: 'payments.refunds' }), context())),
    ).toBe(true)
    expect(counter.runs).toBe(1)
  })
})

describe('other events', () => {
  type Invocation = { orderId: string; amount: number; attempt?: number }

  it('fingerprints the whole event: any change is a different payload (give a payload selector)', async () => {
    let runs = 0
    const charge = middy<Invocation, string>()
      .use(clientMiddleware())
      .use(idempotency<Invocation>({ table: tables.records.name, key: (event) => event.orderId }))
      .handler(async (event) => {
        runs += 1
        return `charged ${event.amount}`
      })
    const orderId = unique('o')
    expect(await invoke(charge, { orderId, amount: 5 }, context())).toBe('charged 5')
    expect(await invoke(charge, { amount: 5, orderId }, context())).toBe('charged 5')
    expect(await readRecord(tables.records.name, `#settle#${orderId}`)).toMatchObject({
      fingerprint: fingerprint({ orderId, amount: 5 }),
    })
    expect(await mismatch(invoke(charge, { orderId, amount: 5, attempt: 2 }, context()))).toBe(true)
    // With a selector, only what it picks counts.
    const selective = middy<Invocation, string>()
      .use(clientMiddleware())
      .use(
        idempotency<Invocation>({
          table: tables.records.name,
          key: (event) => event.orderId,
          payload: (event) => ({ orderId: event.orderId, amount: event.amount }),
        }),
      )
      .handler(async (event) => {
        runs += 1
        return `charged ${event.amount}`
      })
    expect(await invoke(selective, { orderId, amount: 5, attempt: 3 }, context())).toBe('charged 5')
    expect(runs).toBe(1)
  })

  it('treats look-alikes of SQS and EventBridge events as other events', async () => {
    let runs = 0
    const handler = middy<Record<string, unknown>, number>()
      .use(clientMiddleware())
      .use(
        idempotency<Record<string, unknown>>({
          table: tables.records.name,
          key: (event) => String(event.key),
        }),
      )
      .handler(async () => ++runs)
    const key = unique('k')
    // No SQS event source: delivery-looking fields are part of the payload.
    const notSqs = { key, Records: [{ body: 'x', receiptHandle: 'r1' }] }
    await invoke(handler, notSqs, context())
    expect(await readRecord(tables.records.name, `#settle#${key}`)).toMatchObject({
      fingerprint: fingerprint(notSqs),
    })
    const emptyBatch = { key: unique('k'), Records: [] }
    await invoke(handler, emptyBatch, context())
    expect(await readRecord(tables.records.name, `#settle#${emptyBatch.key}`)).toMatchObject({
      fingerprint: fingerprint(emptyBatch),
    })
    // A detail-type without a detail is not an EventBridge event.
    const notEventBridge = { key: unique('k'), source: 's', 'detail-type': 'T', time: 'now' }
    await invoke(handler, notEventBridge, context())
    expect(await readRecord(tables.records.name, `#settle#${notEventBridge.key}`)).toMatchObject({
      fingerprint: fingerprint(notEventBridge),
    })
  })
})
