// The README's examples, as written there (against DynamoDB Local).
import { GetItemCommand } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  type Db,
  estimateCapacity,
  estimateCost,
  isDynamormError,
  itemSize,
  marshallItem,
  putParams,
  transactWrite,
} from '../src/index.ts'
import { Payment, paymentsDb, type TestDb } from './fixtures.ts'

let env: TestDb
let db: Db
beforeAll(async () => {
  env = await paymentsDb({ cursorSecret: 'secret' })
  db = env.db
})
afterAll(() => env.table.delete())

it('runs the README write and read examples', async () => {
  const payments = db.model(Payment)
  const p = await payments.create({ partnerId: 'p1', id: 'pay-1', amount: 1250, status: 'PENDING' })
  await payments.put({ ...p, amount: 1300 })
  await payments.update(
    { partnerId: 'p1', id: 'pay-1' },
    {
      set: { status: 'AUTHORIZED' },
      remove: ['exact'],
      add: { tags: new Set(['vip']) },
      subtract: { amount: 50 },
      append: { notes: ['authorised'] },
      setIfNotExists: { card: { last4: '4242' } },
    },
    { expectedVersion: 2, where: (c) => c.and(c.gt('amount', 0), c.beginsWith('status', 'P')) },
  )
  await payments.update({ partnerId: 'p1', id: 'pay-1' }, { deleteFromSet: { tags: new Set(['vip']) } })
  expect(
    await payments.get(
      { partnerId: 'p1', id: 'pay-1' },
      { consistent: true, projection: ['amount', 'status'] },
    ),
  ).toEqual({
    amount: 1250,
    status: 'AUTHORIZED',
  })
  await payments.getOrThrow({ partnerId: 'p1', id: 'pay-1' })
  const page = await payments.query(
    { partnerId: 'p1' },
    {
      range: { between: [{ id: 'pay-1' }, { id: 'pay-9' }] },
      filter: (c) => c.eq('status', 'AUTHORIZED'),
      projection: ['id', 'amount'],
      order: 'desc',
      limit: 20,
    },
  )
  expect(page.items).toEqual([{ id: 'pay-1', amount: 1250 }])
  await payments.query({ partnerId: 'p1' }, { cursor: page.cursor, limit: 20 })
  await payments.query({ partnerId: 'p1', status: 'SETTLED' }, { index: 'byStatus', pages: 'all' })
  expect(await payments.count({ partnerId: 'p1' })).toBe(1)
  expect((await payments.scan({ segments: 4 })).items).toHaveLength(1)
  expect((await payments.delete({ partnerId: 'p1', id: 'pay-1' }, { expectedVersion: 4 }))?.id).toBe('pay-1')
})

it('runs the README batch, transaction and capacity examples', async () => {
  const payments = db.model(Payment)
  const inputs = [1, 2, 3].map((n) => ({
    partnerId: 'p2',
    id: `pay-${n}`,
    amount: n,
    status: 'PENDING' as const,
  }))
  const keys = inputs.map(({ partnerId, id }) => ({ partnerId, id }))
  await payments.batchWrite(
    { put: inputs },
    { concurrency: 4, maxAttempts: 8, baseDelayMs: 50, overwrite: true },
  )
  expect((await payments.batchGet(keys, { consistent: true })).map((item) => item?.amount)).toEqual([1, 2, 3])

  const request = db.forRequest()
  const input = { partnerId: 'p2', id: 'pay-4', amount: 4, status: 'PENDING' as const }
  await request.model(Payment).queue.create(input)
  await request.model(Payment).queue.update(keys[0]!, { set: { status: 'SETTLED' } }, { expectedVersion: 1 })
  await request.model(Payment).queue.conditionCheck(keys[1]!, (c) => c.eq('status', 'PENDING'))
  expect(await request.unitOfWork.commit('lambda-request-id')).toBe(3)
  const failed = await transactWrite(
    db,
    [await payments.transactItem.create(input), await payments.transactItem.delete(keys[2]!)],
    {
      clientRequestToken: 'token',
    },
  ).catch((e: unknown) => e)
  expect(isDynamormError(failed, 'TransactionCancelledError')).toBe(true)

  const bytes = itemSize(putParams(Payment, input).Item!)
  expect(estimateCapacity(bytes).writeCapacityUnits).toBe(1)
  const totals = request.meter.totals()
  expect(estimateCost(totals, { region: 'eu-west-1', mode: 'onDemand' }).total).toBeGreaterThan(0)
})

it('runs the README onSettled and abortable send examples', async () => {
  const request = db.forRequest()
  const told: unknown[] = []
  request.unitOfWork.onSettled(({ committed, writes, error }) => {
    told.push({ committed, writes, error })
  })
  await request.model(Payment).queue.create({ partnerId: 'p1', id: 'pay-1', amount: 1, status: 'PENDING' })
  expect(await request.unitOfWork.commit('lambda-request-id-2')).toBe(1)
  expect(told).toEqual([{ committed: true, writes: 1, error: undefined }])

  // The README's 2 s stands for the Lambda's remaining time; a loaded test machine gets more.
  const deadline = AbortSignal.timeout(20_000)
  const raw = await db.send(
    new GetItemCommand({
      TableName: db.tableName('payments'),
      Key: marshallItem({ pk: 'PARTNER#p1', sk: 'PAYMENT#pay-1' }),
    }),
    { abortSignal: deadline },
  )
  expect(raw.Item?.amount).toEqual({ N: '1' })
})
