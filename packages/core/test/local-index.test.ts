import { createTestTable, localDynamoClient, type TestTable } from '@dynamorm/testing'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  createDb,
  type Db,
  defineModel,
  inject,
  isDynamormError,
  number,
  string,
} from './local-index-imports.ts'

const Ledger = defineModel({
  name: 'Ledger',
  table: 'ledger',
  attributes: {
    account: string().required(),
    id: string().required(),
    amount: number().required(),
    day: string(),
  },
  key: { pk: 'ACC#{account}', sk: 'TX#{id}' },
  indexes: { byDay: { type: 'lsi', sk: 'DAY#{day}', sparse: true } },
})

let table: TestTable
let db: Db
beforeAll(async () => {
  const client = localDynamoClient(inject('dynamoEndpoint'))
  table = await createTestTable(client, {
    prefix: 'lsi',
    localIndexes: [{ name: 'byDay', sortKey: { name: 'byDaysk', type: 'S' } }],
  })
  db = createDb({ client, tableName: () => table.name })
})
afterAll(() => table.delete())

it('queries a sparse LSI by sort-key range, and labels cancelled unit-of-work writes', async () => {
  const ledger = db.model(Ledger)
  await ledger.batchWrite({
    put: [
      { account: 'a', id: '1', amount: 1, day: '2024-01-01' },
      { account: 'a', id: '2', amount: 2, day: '2024-01-03' },
      { account: 'a', id: '3', amount: 3 },
    ],
  })
  const page = await ledger.query({ account: 'a' }, { index: 'byDay', range: { ge: { day: '2024-01-02' } } })
  expect(page.items.map((item) => item.id)).toEqual(['2'])
  expect((await ledger.query({ account: 'a' }, { index: 'byDay' })).items).toHaveLength(2)
  await ledger.update({ account: 'a', id: '3' }, { set: { day: '2024-01-05' } })
  expect(
    (await ledger.query({ account: 'a' }, { index: 'byDay', order: 'desc', limit: 1 })).items[0]?.id,
  ).toBe('3')

  const request = db.forRequest()
  await request.model(Ledger).queue.create({ account: 'a', id: '1', amount: 9 }, { label: 'duplicate' })
  const error = await request.unitOfWork.commit('req').catch((e: unknown) => e)
  expect(isDynamormError(error, 'TransactionCancelledError')).toBe(true)
  const reason = (error as { reasons: { label?: string; item?: { amount: number } }[] }).reasons[0]
  expect(reason?.label).toBe('duplicate')
  expect(reason?.item?.amount).toBe(1)
  expect(request.unitOfWork.size).toBe(0)
})
