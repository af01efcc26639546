// Sort-key templates that start with a variable ('{id}', '{status}#{id}'): a query given no sort-key
// value has no sort-key condition at all, so nothing may name the sort-key attribute.
import { beforeAll, describe, expect, it } from 'vitest'
import { date, defineModel, enumeration, isDynamormError, number, queryParams, string } from '../src/index.ts'
import { paymentsTableForFile } from './fixtures.ts'

const env = paymentsTableForFile()

const Invoice = defineModel({
  name: 'Invoice',
  table: 'payments',
  attributes: {
    partnerId: string().required(),
    id: string().required(),
    status: enumeration(['OPEN', 'PAID']).required(),
    issuedOn: date().required(),
    amount: number().required(),
  },
  key: { pk: 'INVOICE#{partnerId}', sk: '{id}' },
  indexes: {
    byStatus: { type: 'gsi', pk: 'INVOICES#{partnerId}', sk: '{status}#{id}' },
    bySettledAt: { type: 'gsi', pk: 'ISSUED#{partnerId}', sk: '{issuedOn}' },
  },
})

// The payment example's status index, had it no literal prefix: a timestamp first, then the id.
const Capture = defineModel({
  name: 'Capture',
  table: 'payments',
  attributes: {
    partnerId: string().required(),
    id: string().required(),
    status: enumeration(['PENDING', 'SETTLED']).required(),
    createdAt: string().required(),
  },
  key: { pk: 'CAPTURE#{partnerId}', sk: 'CAPTURE#{id}' },
  indexes: { byStatus: { type: 'gsi', pk: 'CAPTURES#{status}', sk: '{createdAt}#{id}' } },
})

/** Every placeholder the input defines appears in one of its expressions (DynamoDB's own rule). */
function unusedPlaceholders(params: object): string[] {
  const input = params as Record<string, unknown>
  const text = Object.entries(input)
    .filter(([field, value]) => field.endsWith('Expression') && typeof value === 'string')
    .map(([, value]) => value)
    .join(' ')
  const used = new Set(text.match(/[#:][A-Za-z0-9_]+/g) ?? [])
  const defined = [
    ...Object.keys((input.ExpressionAttributeNames as object | undefined) ?? {}),
    ...Object.keys((input.ExpressionAttributeValues as object | undefined) ?? {}),
  ]
  return defined.filter((token) => !used.has(token))
}

const partnerId = 'lead'
const invoices = [
  { partnerId, id: 'i1', status: 'OPEN' as const, issuedOn: new Date('2024-01-03T00:00:00Z'), amount: 10 },
  { partnerId, id: 'i2', status: 'PAID' as const, issuedOn: new Date('2024-01-01T00:00:00Z'), amount: 20 },
  { partnerId, id: 'i3', status: 'OPEN' as const, issuedOn: new Date('2024-01-02T00:00:00Z'), amount: 30 },
]

beforeAll(async () => {
  for (const invoice of invoices) await env.db.model(Invoice).create(invoice)
})

describe('queries on sort keys that start with a variable', () => {
  it('builds no sort-key condition, and no unused name, when no sort-key value is given', () => {
    for (const index of [undefined, 'byStatus', 'bySettledAt'] as const) {
      const params = queryParams(Invoice, { partnerId }, { index })
      expect(params.KeyConditionExpression).toBe('#n0 = :v0')
      expect(unusedPlaceholders(params)).toEqual([])
    }
    const counted = queryParams(Invoice, { partnerId }, { index: 'byStatus', projection: ['amount'] })
    expect(unusedPlaceholders(counted)).toEqual([])
  })

  it('reads the whole partition of the table and of each index from DynamoDB', async () => {
    const entity = env.db.model(Invoice)
    const table = await entity.query({ partnerId })
    expect(table.items.map((item) => item.id)).toEqual(['i1', 'i2', 'i3'])
    const byStatus = await entity.query({ partnerId }, { index: 'byStatus' })
    expect(byStatus.items.map((item) => item.id)).toEqual(['i1', 'i3', 'i2'])
    const byIssue = await entity.query({ partnerId }, { index: 'bySettledAt', order: 'desc' })
    expect(byIssue.items.map((item) => item.id)).toEqual(['i1', 'i3', 'i2'])
    expect(await entity.count({ partnerId }, { index: 'byStatus' })).toBe(3)
    const projected = await entity.query({ partnerId }, { index: 'byStatus', projection: ['amount'] })
    expect(projected.items).toEqual([{ amount: 10 }, { amount: 30 }, { amount: 20 }])
  })

  it("reads an index whose sort key starts with a timestamp ('{createdAt}#{id}') by partition key only", async () => {
    const captures = env.db.model(Capture)
    const status = 'SETTLED' as const
    for (const [id, createdAt] of [
      ['c2', '2024-02-02T00:00:00.000Z'],
      ['c1', '2024-02-01T00:00:00.000Z'],
    ]) {
      await captures.create({ partnerId, id: id!, status, createdAt: createdAt! })
    }
    expect(unusedPlaceholders(queryParams(Capture, { status }, { index: 'byStatus' }))).toEqual([])
    const settled = await captures.query({ status }, { index: 'byStatus' })
    expect(settled.items.map((item) => item.id)).toEqual(['c1', 'c2'])
  })

  it('still uses the sort key when a value or a range is given', async () => {
    const entity = env.db.model(Invoice)
    const open = await entity.query({ partnerId, status: 'OPEN' }, { index: 'byStatus' })
    expect(open.items.map((item) => item.id)).toEqual(['i1', 'i3'])
    const exact = await entity.query({ partnerId, status: 'PAID', id: 'i2' }, { index: 'byStatus' })
    expect(exact.items.map((item) => item.id)).toEqual(['i2'])
    const since = await entity.query(
      { partnerId },
      { index: 'bySettledAt', range: { ge: { issuedOn: new Date('2024-01-02T00:00:00Z') } } },
    )
    expect(since.items.map((item) => item.id)).toEqual(['i3', 'i1'])
    expect((await entity.query({ partnerId, id: 'i3' })).items).toHaveLength(1)
  })

  it('refuses a sort-key value after a missing one, or an empty range bound, before sending', async () => {
    const error = await env.db
      .model(Invoice)
      .query({ partnerId, id: 'i1' }, { index: 'byStatus' })
      .catch((e: unknown) => e)
    expect(isDynamormError(error, 'ValidationError')).toBe(true)
    expect((error as Error).message).toMatch(/cannot skip a part/)
    // An empty bound would be an empty key value, which DynamoDB refuses.
    const empty = await env.db
      .model(Invoice)
      .query({ partnerId }, { index: 'bySettledAt', range: { gt: {} } })
      .catch((e: unknown) => e)
    expect(isDynamormError(empty, 'ValidationError')).toBe(true)
    expect((empty as Error).message).toMatch(/needs the first sort-key value/)
    expect(() => queryParams(Invoice, { partnerId }, { range: { between: [{ id: 'i1' }, {}] } })).toThrow(
      /needs the first sort-key value/,
    )
  })
})
