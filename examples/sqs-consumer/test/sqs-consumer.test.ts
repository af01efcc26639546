import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { ScanCommand } from '@aws-sdk/client-dynamodb'
import { createDb, unmarshallItem } from '@dynamorm/core'
import {
  createTestTable,
  type DynamoFaultProxy,
  deleteTestTable,
  lambdaContext,
  localDynamoClient,
  startDynamoFaultProxy,
} from '@dynamorm/testing'
import type { SQSRecord } from 'aws-lambda'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { Balance } from '../src/ledger.ts'
import { settlementProcessor } from '../src/settle-payment.ts'
import { runSettlementDemo } from '../src/settlement-demo.ts'
import { parseSettlementEvent, settlementEventId } from '../src/settlement-event.ts'
import { type RecordReport, sqsBatchHandler } from '../src/sqs-batch.ts'
import { sqsMessage } from '../src/sqs-message.ts'
import { settlementTables } from '../src/tables.ts'

const endpoint = inject('dynamoEndpoint')
const admin = localDynamoClient(endpoint)
const run = randomBytes(3).toString('hex')

async function deleteTables(namespace: string) {
  for (const { name } of settlementTables(namespace)) await deleteTestTable(admin, name)
}

async function scan(table: string) {
  const { Items = [] } = await admin.send(new ScanCommand({ TableName: table, ConsistentRead: true }))
  return Items.map((item) => unmarshallItem(item))
}

describe('the settlement demo', () => {
  const ns = `demo-${run}-`
  const lines: string[] = []
  let result: Awaited<ReturnType<typeof runSettlementDemo>>
  beforeAll(async () => {
    result = await runSettlementDemo({ dynamoEndpoint: endpoint, namespace: ns, say: (l) => lines.push(l) })
  })
  afterAll(() => deleteTables(ns))

  it('processes each event once, replays duplicates and reports only the failed records', () => {
    const [first, second] = result.batches
    expect(first?.reports.map((r) => `${r.messageId} ${r.status}`)).toEqual([
      'm-1 processed',
      'm-2 processed',
      'm-3 replayed',
      'm-4 failed',
      'm-5 failed',
    ])
    expect(first?.response).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm-4' }, { itemIdentifier: 'm-5' }],
    })
    expect(first?.reports[3]).toMatchObject({ error: 'IdempotencyKeyMissingError', httpStatus: 400 })
    expect(first?.reports[4]).toMatchObject({ error: 'IdempotencyPayloadMismatchError', httpStatus: 422 })
    // The replay returns the first delivery's outcome: it names the request that did the work.
    type Done = Extract<RecordReport, { status: 'processed' | 'replayed' }>
    const m1 = first?.reports[0] as Done
    const m3 = first?.reports[2] as Done
    expect(m3.outcome).toEqual(m1.outcome)
    expect(second?.reports.map((r) => `${r.messageId} ${r.status}`)).toEqual([
      'm-1 replayed',
      'm-6 processed',
    ])
    expect(second?.response.batchItemFailures).toEqual([])
  })

  it('credits the balance once per event and leaves one settlement and one completed record each', async () => {
    expect(result.balance).toBe(1290)
    const ledger = await scan(`${ns}ledger`)
    const settlements = ledger.filter((item) => item.__entity === 'Settlement')
    expect(settlements.map((s) => `${s.eventId}:${s.amount}`).sort()).toEqual([
      'e-1:1000',
      'e-2:250',
      'e-3:40',
    ])
    const records = await scan(`${ns}idempotency`)
    expect(records.map((r) => r.pk).sort()).toEqual([
      '#settle-payment#e-1',
      '#settle-payment#e-2',
      '#settle-payment#e-3',
    ])
    expect(records.every((r) => r.status === 'COMPLETED')).toBe(true)
    expect(lines.at(-1)).toBe('balance of m-acme: 1290 EUR cents (1000 + 250 + 40)')
  })
})

describe('the consumer under failures', () => {
  const ns = `fail-${run}-`
  let proxy: DynamoFaultProxy
  const tableName = (logical: string) => `${ns}${logical}`
  const db = createDb({ client: admin, tableName })
  beforeAll(async () => {
    for (const table of settlementTables(ns)) await createTestTable(admin, table)
    proxy = await startDynamoFaultProxy(endpoint)
  })
  afterEach(() => proxy.faults.reset())
  afterAll(async () => {
    await proxy.close()
    await deleteTables(ns)
  })

  const consumer = (reports: RecordReport[] = []) =>
    sqsBatchHandler(
      // SDK retries off, so one injected fault fails one record.
      settlementProcessor({ client: localDynamoClient(proxy.endpoint, { maxAttempts: 1 }), tableName }),
      { onRecord: (report) => reports.push(report) },
    )
  const event = (merchantId: string, eventId: string, amount: number) => ({
    eventId,
    paymentId: `pay-${eventId}`,
    merchantId,
    amount,
    currency: 'EUR',
  })
  const balanceOf = async (merchantId: string) =>
    (await db.model(Balance).get({ merchantId, currency: 'EUR' }, { consistent: true }))?.available
  const deliver = (records: SQSRecord[], reports?: RecordReport[]) =>
    consumer(reports)({ Records: records }, lambdaContext())

  it('releases the lock of a record whose handler failed, so a corrected redelivery is processed', async () => {
    const bad = sqsMessage({ messageId: 'bad', body: { ...event('m-bad', 'ev-bad', 1), amount: 0 } })
    const reports: RecordReport[] = []
    expect((await deliver([bad], reports)).batchItemFailures).toEqual([{ itemIdentifier: 'bad' }])
    expect(reports[0]).toMatchObject({ status: 'failed', error: 'ValidationError', httpStatus: 400 })
    expect((await scan(`${ns}idempotency`)).map((r) => r.pk)).not.toContain('#settle-payment#ev-bad')
    expect(await balanceOf('m-bad')).toBeUndefined()
    const fixed = sqsMessage({ messageId: 'fixed', body: event('m-bad', 'ev-bad', 5) })
    expect((await deliver([fixed])).batchItemFailures).toEqual([])
    expect(await balanceOf('m-bad')).toBe(5)
  })

  it('fails only the record whose commit was throttled; its redelivery is applied once', async () => {
    const records = ['t-1', 't-2', 't-3'].map((id, i) =>
      sqsMessage({ messageId: id, eventId: id, body: event('m-throttle', id, 10 ** i) }),
    )
    // The first TransactWriteItems (t-1's commit) is throttled.
    proxy.faults.set({ throttle: 1, operation: 'TransactWriteItems' })
    const reports: RecordReport[] = []
    const response = await deliver(records, reports)
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 't-1' }])
    expect(reports[0]).toMatchObject({ status: 'failed', error: 'ThrottledError', httpStatus: 429 })
    expect(await balanceOf('m-throttle')).toBe(110)
    const retried = await deliver(records)
    expect(retried.batchItemFailures).toEqual([])
    expect(await balanceOf('m-throttle')).toBe(111)
    // Delivered yet again: every record is replayed, nothing is credited twice.
    const replays: RecordReport[] = []
    await deliver(records, replays)
    expect(replays.map((r) => r.status)).toEqual(['replayed', 'replayed', 'replayed'])
    expect(await balanceOf('m-throttle')).toBe(111)
  })

  it('goes on when onRecord throws: a processed record is not reported failed, the batch still answers', async () => {
    // A logger or metrics client that throws must not send a settled message back to the queue, nor fail the
    // whole invocation (SQS would then redeliver every record of the batch).
    const handler = sqsBatchHandler(
      settlementProcessor({ client: localDynamoClient(proxy.endpoint, { maxAttempts: 1 }), tableName }),
      {
        onRecord: () => {
          throw new Error('metrics endpoint down')
        },
      },
    )
    const good = sqsMessage({ messageId: 'noisy-good', body: event('m-noisy', 'no-1', 7) })
    const bad = sqsMessage({ messageId: 'noisy-bad', body: { ...event('m-noisy', 'no-2', 1), amount: -1 } })
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      const response = await handler({ Records: [good, bad] }, lambdaContext())
      expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'noisy-bad' }])
      expect(logged).toHaveBeenCalledTimes(2)
    } finally {
      logged.mockRestore()
    }
    expect(await balanceOf('m-noisy')).toBe(7)
  })

  it('reports the second copy of a message delivered twice in one batch as replayed, and credits once', async () => {
    const copy = () => sqsMessage({ messageId: 'twice', eventId: 'tw-1', body: event('m-twice', 'tw-1', 30) })
    const reports: RecordReport[] = []
    const response = await deliver([copy(), copy()], reports)
    expect(response.batchItemFailures).toEqual([])
    expect(reports.map((r) => r.status)).toEqual(['processed', 'replayed'])
    expect(await balanceOf('m-twice')).toBe(30)
  })

  it('refuses a message whose eventId attribute names another event than its body, writing nothing', async () => {
    // A producer bug: the attribute says ea-1, the body is eb-1's event. Applied under ea-1's key, eb-1's
    // credit would land and the real ea-1 would then be refused as a reused key (422): never credited.
    const mislabelled = sqsMessage({ messageId: 'mis', eventId: 'ea-1', body: event('m-mis', 'eb-1', 5) })
    const reports: RecordReport[] = []
    expect((await deliver([mislabelled], reports)).batchItemFailures).toEqual([{ itemIdentifier: 'mis' }])
    expect(reports[0]).toMatchObject({ status: 'failed', error: 'ValidationError', httpStatus: 400 })
    const records = (await scan(`${ns}idempotency`)).map((r) => r.pk)
    expect(records).not.toContain('#settle-payment#ea-1')
    expect(records).not.toContain('#settle-payment#eb-1')
    expect(await balanceOf('m-mis')).toBeUndefined()
    // The events themselves, correctly labelled, are each applied once.
    const genuine = [
      sqsMessage({ messageId: 'ea', eventId: 'ea-1', body: event('m-mis', 'ea-1', 100) }),
      sqsMessage({ messageId: 'eb', eventId: 'eb-1', body: event('m-mis', 'eb-1', 5) }),
    ]
    expect((await deliver(genuine)).batchItemFailures).toEqual([])
    expect(await balanceOf('m-mis')).toBe(105)
  })

  it('on FIFO queues holds back the rest of a failed group and goes on with other groups', async () => {
    const fifo = (id: string, group: string, body: unknown) =>
      sqsMessage({ messageId: id, groupId: group, body: body as object })
    const reports: RecordReport[] = []
    const response = await deliver(
      [
        fifo('g1-a', 'g1', 'not json'),
        fifo('g2-a', 'g2', event('m-fifo', 'f-2a', 1)),
        fifo('g1-b', 'g1', event('m-fifo', 'f-1b', 100)),
        fifo('g2-b', 'g2', event('m-fifo', 'f-2b', 2)),
      ],
      reports,
    )
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(['g1-a', 'g1-b'])
    expect(reports.map((r) => r.status)).toEqual(['failed', 'processed', 'skipped', 'processed'])
    expect(await balanceOf('m-fifo')).toBe(3)
  })

  it('applies an event once when two invocations deliver it at the same time', async () => {
    const record = () => sqsMessage({ eventId: 'race-1', body: event('m-race', 'race-1', 700) })
    const reports: RecordReport[] = []
    proxy.faults.set({ latencyMs: 30, operation: 'TransactWriteItems' })
    const responses = await Promise.all([deliver([record()], reports), deliver([record()], reports)])
    const statuses = reports.map((r) => (r.status === 'failed' ? `failed ${r.httpStatus}` : r.status))
    expect(statuses.filter((status) => status === 'processed')).toHaveLength(1)
    // The other one either found the lock (409: SQS redelivers it later) or the completed record.
    const other = statuses.find((status) => status !== 'processed')
    expect(['failed 409', 'replayed']).toContain(other)
    expect(responses.flatMap((r) => r.batchItemFailures)).toHaveLength(other === 'replayed' ? 0 : 1)
    expect(await balanceOf('m-race')).toBe(700)
  })
})

describe('settlement events', () => {
  const valid = { eventId: 'e-1', paymentId: 'p-1', merchantId: 'm-1', amount: 100, currency: 'EUR' }

  it('parses a valid body and rejects every malformed field with a ValidationError', () => {
    expect(parseSettlementEvent(JSON.stringify({ ...valid, extra: true }))).toEqual(valid)
    const bad: unknown[] = [
      'null',
      '[]x',
      '"text"',
      { ...valid, eventId: undefined },
      { ...valid, eventId: 'has#hash' },
      { ...valid, paymentId: 'x'.repeat(65) },
      { ...valid, merchantId: 42 },
      { ...valid, amount: 0 },
      { ...valid, amount: 1.5 },
      { ...valid, amount: '100' },
      { ...valid, currency: 'BTC' },
    ]
    for (const body of bad) {
      expect(() => parseSettlementEvent(typeof body === 'string' ? body : JSON.stringify(body))).toThrow(
        expect.objectContaining({ name: 'ValidationError', status: 400 }),
      )
    }
  })

  it('takes the idempotency key from the eventId attribute (agreeing with the body), else the body, never the message id', () => {
    expect(settlementEventId(sqsMessage({ eventId: 'attr', body: { ...valid, eventId: 'attr' } }))).toBe(
      'attr',
    )
    // An attribute that disagrees with the body (or comes with a body without an id) is refused.
    for (const body of [valid, { amount: 1 }, '{oops']) {
      expect(() => settlementEventId(sqsMessage({ eventId: 'attr', body }))).toThrow(
        expect.objectContaining({ name: 'ValidationError', status: 400 }),
      )
    }
    expect(settlementEventId(sqsMessage({ messageId: 'msg', body: valid }))).toBe('e-1')
    expect(settlementEventId(sqsMessage({ messageId: 'msg', body: { amount: 1 } }))).toBeUndefined()
    expect(settlementEventId(sqsMessage({ body: { eventId: 7 } }))).toBeUndefined()
    expect(settlementEventId(sqsMessage({ body: 'null' }))).toBeUndefined()
    expect(settlementEventId(sqsMessage({ body: '{oops' }))).toBeUndefined()
  })
})

describe('pnpm start', () => {
  it('runs the demo against a DynamoDB Local of its own and exits 0', async () => {
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
    const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=source', main], {
      timeout: 60_000,
    })
    const lines = stdout.trim().split('\n')
    expect(lines).toContain('  batchItemFailures: m-4, m-5')
    expect(lines).toContain('  m-3    replayed  e-1 pay-1')
    expect(lines.at(-1)).toBe('balance of m-acme: 1290 EUR cents (1000 + 250 + 40)')
  }, 90_000)
})
