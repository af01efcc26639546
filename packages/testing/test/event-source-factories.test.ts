// sqsEvent() and eventBridgeEvent(): events shaped as Lambda receives them, and refusals of
// shapes those services never deliver.
import { createHash } from 'node:crypto'
import type { EventBridgeEvent, SQSEvent } from 'aws-lambda'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { eventBridgeEvent, sqsEvent } from '../src/index.ts'
import { md5OfMessageAttributes, sqsMessageAttribute } from '../src/sqs-message-attributes.ts'

const md5 = (text: string) => createHash('md5').update(text).digest('hex')

describe('sqsEvent', () => {
  it('builds a standard-queue record as Lambda delivers it', () => {
    const event: SQSEvent = sqsEvent({
      records: [
        {
          body: { payoutId: 'po-1', amount: 4200 },
          messageId: 'm-1',
          receiptHandle: 'handle-1',
          sentTimestamp: 1_767_225_600_000,
          firstReceiveTimestamp: 1_767_225_600_250,
          messageAttributes: { eventId: 'evt-1' },
        },
      ],
    })
    expect(event.Records).toHaveLength(1)
    const [record] = event.Records
    expect(record).toEqual({
      messageId: 'm-1',
      receiptHandle: 'handle-1',
      body: '{"payoutId":"po-1","amount":4200}',
      attributes: {
        ApproximateReceiveCount: '1',
        SentTimestamp: '1767225600000',
        SenderId: expect.stringMatching(/^AIDA[A-Z0-9]+$/),
        ApproximateFirstReceiveTimestamp: '1767225600250',
      },
      messageAttributes: {
        eventId: { dataType: 'String', stringValue: 'evt-1', stringListValues: [], binaryListValues: [] },
      },
      md5OfMessageAttributes: expect.stringMatching(/^[0-9a-f]{32}$/),
      md5OfBody: md5('{"payoutId":"po-1","amount":4200}'),
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:test-queue',
      awsRegion: 'us-east-1',
    })
  })

  it('gives a redelivery the same message id and body but a new receipt handle and a higher count', () => {
    const first = sqsEvent({ records: [{ body: 'settle po-1', messageId: 'm-1', sentTimestamp: 1 }] })
    const again = sqsEvent({
      records: [{ body: 'settle po-1', messageId: 'm-1', sentTimestamp: 1, receiveCount: 2 }],
    })
    const [a, b] = [first.Records[0]!, again.Records[0]!]
    expect(b.messageId).toBe(a.messageId)
    expect(b.body).toBe('settle po-1')
    expect(b.receiptHandle).not.toBe(a.receiptHandle)
    expect(b.attributes.ApproximateReceiveCount).toBe('2')
    expect(b.attributes.SentTimestamp).toBe(a.attributes.SentTimestamp)
    // Defaults: a random message id, no attributes (and so no attributes digest), sent now.
    const bare = sqsEvent({ records: [{ body: 'x' }, { body: 'y' }] })
    expect(bare.Records.map((record) => record.body)).toEqual(['x', 'y'])
    expect(bare.Records[0]!.messageId).not.toBe(bare.Records[1]!.messageId)
    expect(bare.Records[0]!.messageAttributes).toEqual({})
    expect(bare.Records[0]).not.toHaveProperty('md5OfMessageAttributes')
    expect(Number(bare.Records[0]!.attributes.SentTimestamp)).toBeGreaterThan(1_700_000_000_000)
  })

  it('types every kind of attribute and digests them as SQS does', () => {
    const [record] = sqsEvent({
      records: [
        {
          body: '{}',
          messageAttributes: {
            amount: 4200,
            signature: new Uint8Array([0, 1, 254, 255]),
            cents: { dataType: 'Number.cents', value: 99 },
          },
        },
      ],
    }).Records
    expect(record!.messageAttributes).toEqual({
      amount: { dataType: 'Number', stringValue: '4200', stringListValues: [], binaryListValues: [] },
      signature: { dataType: 'Binary', binaryValue: 'AAH+/w==', stringListValues: [], binaryListValues: [] },
      cents: { dataType: 'Number.cents', stringValue: '99', stringListValues: [], binaryListValues: [] },
    })
    expect(record!.md5OfMessageAttributes).toBe(md5OfMessageAttributes(record!.messageAttributes))
    // Digests published for SQS's algorithm (name, type, transport byte, value; sorted by name).
    expect(md5OfMessageAttributes({ SellerName: sqsMessageAttribute('SellerName', 'Example Store') })).toBe(
      'cd28f3b68aeee4b2eac9c66f2f694b58',
    )
    expect(
      md5OfMessageAttributes({
        ordinal: sqsMessageAttribute('ordinal', 1),
        category: sqsMessageAttribute('category', 'test'),
      }),
    ).toBe('d21ae90c49061e927f57df5f5d72be1f')
    // Binary values are digested as bytes with transport 2: the same characters as a string differ.
    const asBytes = md5OfMessageAttributes({ s: sqsMessageAttribute('s', new TextEncoder().encode('ab')) })
    const asString = md5OfMessageAttributes({
      s: { dataType: 'Binary', stringValue: 'ab', stringListValues: [], binaryListValues: [] },
    })
    expect(asBytes).toMatch(/^[0-9a-f]{32}$/)
    expect(asBytes).not.toBe(asString)
  })

  it('builds FIFO records with group, deduplication id and growing sequence numbers', () => {
    const event = sqsEvent({
      queueArn: 'arn:aws:sqs:eu-west-1:210987654321:settlements.fifo',
      records: [
        { body: 'a', groupId: 'merchant-1', sentTimestamp: 1_767_225_600_000 },
        { body: 'b', groupId: 'merchant-1', deduplicationId: 'dedup-b', sentTimestamp: 1_767_225_600_000 },
      ],
    })
    const [a, b] = event.Records as [SQSEvent['Records'][0], SQSEvent['Records'][0]]
    expect(a.awsRegion).toBe('eu-west-1')
    expect(a.eventSourceARN).toBe('arn:aws:sqs:eu-west-1:210987654321:settlements.fifo')
    expect(a.attributes.MessageGroupId).toBe('merchant-1')
    // Content-based deduplication: the SHA-256 of the body.
    expect(a.attributes.MessageDeduplicationId).toBe(createHash('sha256').update('a').digest('hex'))
    expect(b.attributes.MessageDeduplicationId).toBe('dedup-b')
    expect(a.attributes.SequenceNumber).toMatch(/^\d{20}$/)
    expect(BigInt(b.attributes.SequenceNumber!)).toBe(BigInt(a.attributes.SequenceNumber!) + 1n)
  })

  it('refuses batches and records SQS never delivers', () => {
    expect(() => sqsEvent({ records: [] })).toThrow(/1 to 10000 records, not 0/)
    expect(() => sqsEvent({ records: Array.from({ length: 10_001 }, () => ({ body: 'x' })) })).toThrow(
      /not 10001/,
    )
    expect(() =>
      sqsEvent({ queueArn: 'arn:aws:sns:us-east-1:123456789012:topic', records: [{ body: 'x' }] }),
    ).toThrow(/not an SQS queue ARN/)
    expect(() => sqsEvent({ records: [{ body: undefined }] })).toThrow(/records\[0\]\.body is not JSON/)
    for (const receiveCount of [0, -1, 1.5, Number.NaN]) {
      expect(() => sqsEvent({ records: [{ body: 'x' }, { body: 'x', receiveCount }] })).toThrow(
        /records\[1\]\.receiveCount must be a whole number >= 1/,
      )
    }
    expect(() => sqsEvent({ records: [{ body: 'x', groupId: 'g' }] })).toThrow(/the queue is not FIFO/)
    expect(() => sqsEvent({ records: [{ body: 'x', deduplicationId: 'd' }] })).toThrow(
      /the queue is not FIFO/,
    )
    expect(() =>
      sqsEvent({ queueArn: 'arn:aws:sqs:us-east-1:123456789012:q.fifo', records: [{ body: 'x' }] }),
    ).toThrow(/needs a groupId/)
  })

  it('refuses attributes SQS would reject', () => {
    const withAttribute = (value: never) => () =>
      sqsEvent({ records: [{ body: 'x', messageAttributes: { bad: value } }] })
    expect(withAttribute({ dataType: 'Date', value: 'x' } as never)).toThrow(/data type Date is not String/)
    expect(withAttribute({ dataType: 'Binary', value: 'not bytes' } as never)).toThrow(/takes bytes/)
    expect(withAttribute({ dataType: 'String', value: new Uint8Array(1) } as never)).toThrow(
      /takes a string or number/,
    )
    expect(withAttribute(Number.POSITIVE_INFINITY as never)).toThrow(/Infinity is not a number SQS can carry/)
  })
})

describe('eventBridgeEvent', () => {
  it('builds the event a rule target receives, detail as JSON carries it', () => {
    const event = eventBridgeEvent({
      source: 'payments.settlement',
      detailType: 'SettlementRequested',
      detail: { batchId: 'b-1', at: new Date('2026-01-01T00:00:00.000Z'), note: undefined },
      id: 'evt-1',
      time: '2026-01-01T12:00:00.123Z',
      account: '210987654321',
      region: 'eu-west-1',
      resources: ['arn:aws:events:eu-west-1:210987654321:rule/settle'],
    })
    expectTypeOf(event).toExtend<EventBridgeEvent<'SettlementRequested', unknown>>()
    expect(event).toEqual({
      version: '0',
      id: 'evt-1',
      'detail-type': 'SettlementRequested',
      source: 'payments.settlement',
      account: '210987654321',
      time: '2026-01-01T12:00:00Z',
      region: 'eu-west-1',
      resources: ['arn:aws:events:eu-west-1:210987654321:rule/settle'],
      detail: { batchId: 'b-1', at: '2026-01-01T00:00:00.000Z' },
    })
    expect(event).not.toHaveProperty('replay-name')
  })

  it('defaults id, time, account and region, and marks replays', () => {
    const before = Date.now() - 1000
    const event = eventBridgeEvent({ source: 's', detailType: 'T', detail: {}, replayName: 'rerun-1' })
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(event.id).not.toBe(eventBridgeEvent({ source: 's', detailType: 'T', detail: {} }).id)
    expect(event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    expect(Date.parse(event.time)).toBeGreaterThanOrEqual(before)
    expect(event).toMatchObject({ account: '123456789012', region: 'us-east-1', resources: [] })
    expect(event['replay-name']).toBe('rerun-1')
    expect(eventBridgeEvent({ source: 's', detailType: 'T', detail: {}, time: new Date(0) }).time).toBe(
      '1970-01-01T00:00:00Z',
    )
  })

  it('refuses events PutEvents would reject', () => {
    expect(() => eventBridgeEvent({ source: '', detailType: 'T', detail: {} })).toThrow(
      /source must not be empty/,
    )
    expect(() => eventBridgeEvent({ source: 's', detailType: '', detail: {} })).toThrow(
      /detailType must not be empty/,
    )
    for (const detail of [null, [], 'text', 42]) {
      expect(() => eventBridgeEvent({ source: 's', detailType: 'T', detail })).toThrow(
        /detail must be a JSON object/,
      )
    }
    expect(() => eventBridgeEvent({ source: 's', detailType: 'T', detail: {}, time: 'yesterday' })).toThrow(
      /time yesterday is not a date/,
    )
  })
})
