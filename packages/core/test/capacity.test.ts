// The meter counts every call, refused or failed ones too, and estimates (separately, marked as such)
// the write capacity DynamoDB bills for a refused conditional write but does not report.
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb'
import { localDynamoClient, startDynamoFaultProxy } from '@dynamorm/testing'
import { describe, expect, it } from 'vitest'
import { type AttributeMap, createDb, isDynamormError, itemSize, marshallItem } from '../src/index.ts'
import { newPayment, Payment, paymentsTableForFile, uniqueId } from './fixtures.ts'

const env = paymentsTableForFile()

const row = (id: string, bytes: number): AttributeMap =>
  marshallItem({ pk: `CAP#${id}`, sk: 'ROW', body: 'x'.repeat(bytes) })
const units = (...items: AttributeMap[]) =>
  Math.max(1, Math.ceil(Math.max(...items.map((item) => itemSize(item))) / 1024))

describe('capacity of failed calls', () => {
  it('counts a refused create as a call, with an estimate kept apart from reported units', async () => {
    const request = env.db.forRequest()
    const payments = request.model(Payment)
    const input = newPayment({ notes: ['n'.repeat(3000)] })
    await payments.create(input)
    const afterCreate = request.meter.totals()
    expect(afterCreate).toMatchObject({ calls: 1, failedCalls: 0, estimatedWriteCapacityUnits: 0 })
    const error = await payments.create({ ...input, notes: ['n'.repeat(5000)] }).catch((e: unknown) => e)
    expect(isDynamormError(error, 'ConditionFailedError')).toBe(true)
    const totals = request.meter.totals()
    expect(totals.calls).toBe(2)
    expect(totals.failedCalls).toBe(1)
    // Reported units are what DynamoDB reported: the refused write adds nothing to them.
    expect(totals.writeCapacityUnits).toBe(afterCreate.writeCapacityUnits)
    // DynamoDB bills the larger of the stored and the refused item: here the refused one, over 5 KB.
    expect(totals.estimatedWriteCapacityUnits).toBe(6)
    expect(totals.tables[env.table.name]?.estimatedWriteCapacityUnits).toBe(6)
    expect(totals.tables[env.table.name]?.writeCapacityUnits).toBe(afterCreate.writeCapacityUnits)
  })

  it('estimates refused puts, deletes and updates from the items DynamoDB returns (ALL_OLD)', async () => {
    const request = env.db.forRequest()
    const table = env.table.name
    const id = uniqueId()
    const stored = row(id, 3000)
    await request.send(new PutItemCommand({ TableName: table, Item: stored }))
    const base = request.meter.totals().estimatedWriteCapacityUnits ?? 0
    const estimateAfter = async (command: { input: object }) => {
      const before = request.meter.totals().estimatedWriteCapacityUnits ?? 0
      const error = await request.send(command as never).catch((e: unknown) => e)
      expect(isDynamormError(error, 'ConditionFailedError')).toBe(true)
      return (request.meter.totals().estimatedWriteCapacityUnits ?? 0) - before
    }
    const notNew = { ConditionExpression: 'attribute_not_exists(pk)' }
    const allOld = { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const }
    // Put: the larger item counts, whether it is the stored one or the refused one.
    const small = row(id, 10)
    expect(
      await estimateAfter(new PutItemCommand({ TableName: table, Item: small, ...notNew, ...allOld })),
    ).toBe(units(stored))
    const large = row(id, 9000)
    expect(
      await estimateAfter(new PutItemCommand({ TableName: table, Item: large, ...notNew, ...allOld })),
    ).toBe(units(large))
    // Without ALL_OLD the stored item is unknown: the refused item alone (a lower bound).
    expect(await estimateAfter(new PutItemCommand({ TableName: table, Item: small, ...notNew }))).toBe(1)
    // Delete: the stored item.
    const key = marshallItem({ pk: `CAP#${id}`, sk: 'ROW' })
    const missing = { ConditionExpression: 'attribute_not_exists(body)' }
    expect(
      await estimateAfter(new DeleteItemCommand({ TableName: table, Key: key, ...missing, ...allOld })),
    ).toBe(units(stored))
    // Update: the stored item (the item the update would have made is not known: a lower bound).
    expect(
      await estimateAfter(
        new UpdateItemCommand({
          TableName: table,
          Key: key,
          UpdateExpression: 'SET n = :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
          ...missing,
          ...allOld,
        }),
      ),
    ).toBe(units(stored))
    // A refused write on an absent item: at least 1.
    const absent = marshallItem({ pk: `CAP#${uniqueId()}`, sk: 'ROW' })
    const exists = { ConditionExpression: 'attribute_exists(pk)' }
    expect(
      await estimateAfter(new DeleteItemCommand({ TableName: table, Key: absent, ...exists, ...allOld })),
    ).toBe(1)
    const totals = request.meter.totals()
    expect(totals.calls).toBe(7)
    expect(totals.failedCalls).toBe(6)
    expect(totals.estimatedWriteCapacityUnits).toBe(base + units(stored) * 3 + units(large) + 1 + 1)
    expect(totals.tables[table]?.estimatedWriteCapacityUnits).toBe(totals.estimatedWriteCapacityUnits)
  })

  it('counts throttled, rejected and unavailable calls without estimating anything', async () => {
    const proxy = await startDynamoFaultProxy(env.endpoint)
    try {
      const db = createDb({ client: localDynamoClient(proxy.endpoint, { maxAttempts: 1 }) })
      const get = new GetItemCommand({ TableName: env.table.name, Key: marshallItem({ pk: 'x', sk: 'y' }) })
      proxy.faults.set({ throttle: 1, operation: 'GetItem' })
      expect(isDynamormError(await db.send(get).catch((e: unknown) => e), 'ThrottledError')).toBe(true)
      proxy.faults.set({ serverError: 1, operation: 'GetItem' })
      const unavailable = await db
        .send(new GetItemCommand({ TableName: env.table.name, Key: marshallItem({ pk: 'x', sk: 'y' }) }))
        .catch((e: unknown) => e)
      expect(isDynamormError(unavailable, 'ServiceUnavailableError')).toBe(true)
      proxy.faults.reset()
      const invalid = await db
        .send(new QueryCommand({ TableName: env.table.name, KeyConditionExpression: 'pk = :missing' }))
        .catch((e: unknown) => e)
      expect(isDynamormError(invalid, 'ValidationError')).toBe(true)
      await db.send(
        new GetItemCommand({ TableName: env.table.name, Key: marshallItem({ pk: 'x', sk: 'y' }) }),
      )
      expect(proxy.calls()).toBe(4)
      expect(db.meter.totals()).toMatchObject({ calls: 4, failedCalls: 3, estimatedWriteCapacityUnits: 0 })
    } finally {
      await proxy.close()
    }
  })
})

describe('the capacity middleware', () => {
  it('is added to a client once, meters each Db on its own, and leaves calls not sent through a Db alone', async () => {
    const client = localDynamoClient(env.endpoint)
    const middlewares = client.middlewareStack.identify().length
    const first = createDb({ client })
    const second = createDb({ client })
    const key = marshallItem({ pk: `CAP#${uniqueId()}`, sk: 'ROW' })
    const get = () => new GetItemCommand({ TableName: env.table.name, Key: key })
    const metered = await first.send(get())
    await second.send(get())
    await second.send(get())
    expect(metered.ConsumedCapacity?.CapacityUnits).toBeGreaterThan(0)
    expect(first.meter.totals()).toMatchObject({ calls: 1, failedCalls: 0 })
    expect(second.meter.totals()).toMatchObject({ calls: 2, failedCalls: 0 })
    // The client's own send: no capacity asked for, nobody's meter touched.
    const raw = await client.send(get())
    expect(raw.ConsumedCapacity).toBeUndefined()
    expect(first.meter.calls + second.meter.calls).toBe(3)
    expect(client.middlewareStack.identify()).toHaveLength(middlewares + 1)
  })
})

describe('consumedCapacity', () => {
  it("asks DynamoDB for the option's level: INDEXES per index, TOTAL per table, NONE nothing (calls still counted)", async () => {
    const client = localDynamoClient(env.endpoint)
    const tableName = (logical: string) => (logical === 'payments' ? env.table.name : logical)
    const indexed = createDb({ client, tableName })
    const total = createDb({ client, tableName, consumedCapacity: 'TOTAL' })
    const none = createDb({ client, tableName, consumedCapacity: 'NONE' })
    // A payment with a status writes the byStatus index too.
    await indexed.model(Payment).create(newPayment())
    await total.model(Payment).create(newPayment())
    const created = await none.model(Payment).create(newPayment())
    expect(created.id).toBeDefined()
    const indexedTable = indexed.meter.totals().tables[env.table.name]
    expect(indexedTable?.writeCapacityUnits).toBeGreaterThan(0)
    expect(Object.keys(indexedTable?.indexes ?? {})).toContain('byStatus')
    const totalTable = total.meter.totals().tables[env.table.name]
    expect(totalTable?.writeCapacityUnits).toBe(indexedTable?.writeCapacityUnits)
    expect(totalTable?.indexes).toEqual({})
    expect(none.meter.totals()).toMatchObject({ calls: 1, failedCalls: 0, writeCapacityUnits: 0, tables: {} })
    // Scoped Dbs (a partner's) inherit the level.
    const scoped = none.scoped({ tableName })
    const key = marshallItem({ pk: `CAP#${uniqueId()}`, sk: 'ROW' })
    const answer = await scoped.send(new GetItemCommand({ TableName: env.table.name, Key: key }))
    expect(answer.ConsumedCapacity).toBeUndefined()
    expect(none.meter.totals()).toMatchObject({ calls: 2, readCapacityUnits: 0 })
  })
})
