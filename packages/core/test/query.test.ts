import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDb, type Db, isDynamormError, queryParams } from '../src/index.ts'
import { Payment, paymentsDb, Refund, type TestDb } from './fixtures.ts'

let env: TestDb
let db: Db
const partnerId = 'query-partner'
beforeAll(async () => {
  env = await paymentsDb({ cursorSecret: 'test-secret' })
  db = env.db
  const payments = db.model(Payment)
  for (let index = 0; index < 30; index++) {
    await payments.create({
      partnerId,
      id: `p${String(index).padStart(2, '0')}`,
      amount: index * 100,
      status: index % 3 === 0 ? 'SETTLED' : 'PENDING',
      settledAt: index % 3 === 0 ? new Date(Date.UTC(2024, 0, index + 1)) : undefined,
    })
  }
  // Another entity in the same partition, with sort keys that begin like payments' do.
  await db.model(Refund).create({ partnerId, id: 'r1', paymentId: 'p01', amount: 50 })
  await payments.create({ partnerId: 'other', id: 'p00', amount: 1, status: 'PENDING' })
})
afterAll(() => env.table.delete())

describe('query', () => {
  it('reads a partition in sort-key order, only the asked entity', async () => {
    const page = await db.model(Payment).query({ partnerId }, { pages: 'all' })
    expect(page.items.map((item) => item.id)).toEqual(
      Array.from({ length: 30 }, (_, i) => `p${String(i).padStart(2, '0')}`),
    )
    expect(page.cursor).toBeUndefined()
    const refunds = await db.model(Refund).query({ partnerId })
    expect(refunds.items).toEqual([{ partnerId, id: 'r1', paymentId: 'p01', amount: 50 }])
  })

  it('uses a sort-key prefix, exact key, ranges, order, filter, projection and limit', async () => {
    const payments = db.model(Payment)
    expect((await payments.query({ partnerId, id: 'p07' })).items.map((i) => i.id)).toEqual(['p07'])
    const range = await payments.query({ partnerId }, { range: { between: [{ id: 'p10' }, { id: 'p12' }] } })
    expect(range.items.map((i) => i.id)).toEqual(['p10', 'p11', 'p12'])
    const after = await payments.query({ partnerId }, { range: { gt: { id: 'p27' } }, order: 'desc' })
    expect(after.items.map((i) => i.id)).toEqual(['p29', 'p28'])
    const filtered = await payments.query(
      { partnerId },
      {
        filter: (c) => c.and(c.ge('amount', 1000), c.eq('status', 'SETTLED')),
        projection: ['id', 'amount'],
        pages: 'all',
      },
    )
    expect(filtered.items).toEqual([12, 15, 18, 21, 24, 27].map((n) => ({ id: `p${n}`, amount: n * 100 })))
    const limited = await payments.query({ partnerId }, { limit: 4 })
    expect(limited.items).toHaveLength(4)
    expect(limited.cursor).toBeDefined()
    for (const bound of ['ge', 'lt', 'le'] as const) {
      const result = await payments.query({ partnerId }, { range: { [bound]: { id: 'p05' } } as never })
      expect(result.items.length).toBeGreaterThan(0)
    }
  })

  it('pages with signed cursors, n pages at a time, and rejects forged cursors', async () => {
    const payments = db.model(Payment)
    const seen: string[] = []
    let cursor: string | undefined
    do {
      const page = await payments.query({ partnerId }, { limit: 7, cursor })
      seen.push(...page.items.map((i) => i.id))
      cursor = page.cursor
    } while (cursor !== undefined)
    expect(seen).toHaveLength(30)
    expect(new Set(seen).size).toBe(30)
    const first = await payments.query({ partnerId }, { limit: 5 })
    const [payload, signature] = (first.cursor as string).split('.')
    const body = JSON.parse(Buffer.from(payload as string, 'base64url').toString())
    body.k.pk.S = 'PARTNER#other'
    const forged = `${Buffer.from(JSON.stringify(body)).toString('base64url')}.${signature}`
    for (const bad of [forged, 'garbage', `${payload}`, `${payload}.${signature}.x`, '']) {
      const error = await payments.query({ partnerId }, { cursor: bad }).catch((e: unknown) => e)
      expect(isDynamormError(error, 'ValidationError')).toBe(true)
    }
    // A cursor from the table does not continue a query on an index.
    const onIndex = await payments
      .query({ partnerId, status: 'PENDING' }, { index: 'byStatus', cursor: first.cursor })
      .catch((e: unknown) => e)
    expect(isDynamormError(onIndex, 'ValidationError')).toBe(true)
    const twoPages = await payments.query({ partnerId }, { pages: 2, limit: 100 })
    expect(twoPages.items).toHaveLength(30)
  })

  it('queries GSIs (including a sparse one) and counts without reading items', async () => {
    const payments = db.model(Payment)
    const settled = await payments.query(
      { partnerId, status: 'SETTLED' },
      { index: 'byStatus', pages: 'all' },
    )
    expect(settled.items).toHaveLength(10)
    expect(settled.items.every((i) => i.status === 'SETTLED')).toBe(true)
    const sparse = await payments.query({ partnerId }, { index: 'bySettledAt', order: 'desc', limit: 2 })
    expect(sparse.items.map((i) => i.id)).toEqual(['p27', 'p24'])
    expect(await payments.count({ partnerId })).toBe(30)
    expect(await payments.count({ partnerId, status: 'PENDING' }, { index: 'byStatus' })).toBe(20)
  })

  it('never becomes a scan: a query without its partition key is a ValidationError', () => {
    expect(() => queryParams(Payment, {} as never)).toThrow(/partition key/)
    expect(() => queryParams(Payment, { partnerId } as never, { index: 'byStatus' } as never)).toThrow(
      /status/,
    )
    expect(() => queryParams(Payment, { partnerId }, { index: 'nope' as never })).toThrow(/no index/)
    expect(() => queryParams(Payment, { partnerId }, { limit: 0 })).toThrow(/limit/)
    const params = queryParams(Payment, { partnerId, id: 'x' })
    expect(params.KeyConditionExpression).toBe('#n0 = :v0 AND #n1 = :v1')
    expect(params).not.toHaveProperty('Segment')
  })
})

describe('scan', () => {
  it('scans only when asked, filtered to the entity, in parallel segments', async () => {
    const payments = db.model(Payment)
    const all = await payments.scan({ pages: 'all' })
    expect(all.items).toHaveLength(31)
    const parallel = await payments.scan({ segments: 4, filter: (c) => c.eq('partnerId', partnerId) })
    expect(parallel.items.map((i) => i.id).sort()).toEqual(
      all.items
        .filter((i) => i.partnerId === partnerId)
        .map((i) => i.id)
        .sort(),
    )
    const paged = await payments.scan({ limit: 10 })
    expect(paged.cursor).toBeDefined()
    const rest = await payments.scan({ cursor: paged.cursor, pages: 'all' })
    expect(paged.items.length + rest.items.length).toBe(31)
    const error = await payments.scan({ segments: 2, cursor: paged.cursor }).catch((e: unknown) => e)
    expect(isDynamormError(error, 'ValidationError')).toBe(true)
    const onIndex = await payments.scan({ index: 'bySettledAt', pages: 'all' })
    expect(onIndex.items).toHaveLength(10)
  })

  it('an unsigned cursor is rejected by a db that signs, and vice versa', async () => {
    const unsigned = createDb({ client: db.client, tableName: db.options.tableName })
    const page = await unsigned.model(Payment).query({ partnerId }, { limit: 2 })
    const error = await db
      .model(Payment)
      .query({ partnerId }, { cursor: page.cursor })
      .catch((e: unknown) => e)
    expect(isDynamormError(error, 'ValidationError')).toBe(true)
    const signed = await db.model(Payment).query({ partnerId }, { limit: 2 })
    const reverse = await unsigned
      .model(Payment)
      .query({ partnerId }, { cursor: signed.cursor })
      .catch((e: unknown) => e)
    expect(isDynamormError(reverse, 'ValidationError')).toBe(true)
    const resumed = await unsigned.model(Payment).query({ partnerId }, { cursor: page.cursor, limit: 2 })
    expect(resumed.items.map((i) => i.id)).toEqual(['p02', 'p03'])
  })
})
