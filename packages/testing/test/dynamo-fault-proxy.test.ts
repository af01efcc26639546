import {
  GetItemCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest'
import {
  createTestTable,
  type DynamoFaultProxy,
  localDynamoClient,
  startDynamoFaultProxy,
  type TestTable,
} from '../src/index.ts'

let proxy: DynamoFaultProxy
let table: TestTable
const direct = localDynamoClient(inject('dynamoEndpoint'))

beforeAll(async () => {
  table = await createTestTable(direct)
  proxy = await startDynamoFaultProxy(inject('dynamoEndpoint'))
})

afterAll(async () => {
  await table.delete()
  await proxy.close()
  direct.destroy()
})

beforeEach(() => proxy.faults.reset())

const put = (client = localDynamoClient(proxy.endpoint, { maxAttempts: 1 }), id = 'a') =>
  client.send(new PutItemCommand({ TableName: table.name, Item: { pk: { S: id }, sk: { S: 'x' } } }))

describe('startDynamoFaultProxy', () => {
  it('forwards requests to DynamoDB Local and counts them by operation', async () => {
    const client = localDynamoClient(proxy.endpoint, { maxAttempts: 1 })
    const before = proxy.calls()
    await put(client, 'forwarded')
    const item = await client.send(
      new GetItemCommand({ TableName: table.name, Key: { pk: { S: 'forwarded' }, sk: { S: 'x' } } }),
    )
    expect(item.Item?.pk).toEqual({ S: 'forwarded' })
    expect(proxy.calls('PutItem')).toBeGreaterThanOrEqual(1)
    expect(proxy.calls('GetItem')).toBeGreaterThanOrEqual(1)
    expect(proxy.calls() - before).toBe(2)
  })

  it('throttles the next N calls of one operation with the typed SDK error', async () => {
    const client = localDynamoClient(proxy.endpoint, { maxAttempts: 1 })
    proxy.faults.set({ throttle: 2, operation: 'PutItem' })
    await expect(
      client.send(new GetItemCommand({ TableName: table.name, Key: { pk: { S: 'a' }, sk: { S: 'x' } } })),
    ).resolves.toBeDefined()
    await expect(put(client)).rejects.toBeInstanceOf(ProvisionedThroughputExceededException)
    await expect(put(client)).rejects.toMatchObject({
      name: 'ProvisionedThroughputExceededException',
      $metadata: { httpStatusCode: 400 },
    })
    await expect(put(client)).resolves.toBeDefined()
  })

  it('can throttle with ThrottlingException instead', async () => {
    proxy.faults.set({ throttle: 1, throttleKind: 'ThrottlingException' })
    await expect(put()).rejects.toMatchObject({ name: 'ThrottlingException' })
  })

  it('lets the SDK retry through injected throttling when retries are on', async () => {
    const client = localDynamoClient(proxy.endpoint, { maxAttempts: 3 })
    proxy.faults.set({ throttle: 2, operation: 'PutItem' })
    const before = proxy.calls('PutItem')
    await put(client, 'retried')
    expect(proxy.calls('PutItem') - before).toBe(3)
  })

  it('answers 500 InternalServerError and drops connections', async () => {
    proxy.faults.set({ serverError: 1, drop: 1 })
    await expect(put()).rejects.toMatchObject({
      name: 'InternalServerError',
      $metadata: { httpStatusCode: 500 },
    })
    await expect(put()).rejects.toThrow()
    await expect(put()).resolves.toBeDefined()
  })

  it('adds latency until reset', async () => {
    proxy.faults.set({ latencyMs: 200 })
    const started = Date.now()
    await put()
    expect(Date.now() - started).toBeGreaterThanOrEqual(150)
    proxy.faults.reset()
    await put()
  })

  it('answers 500 when DynamoDB Local is unreachable', async () => {
    const orphan = await startDynamoFaultProxy('http://127.0.0.1:1')
    const client = localDynamoClient(orphan.endpoint, { maxAttempts: 1 })
    await expect(put(client)).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } })
    await orphan.close()
  })
})
