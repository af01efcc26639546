import {
  ConditionalCheckFailedException,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
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

  describe('transactionConflict', () => {
    const putItem = (id: string): TransactWriteItem => ({
      Put: { TableName: table.name, Item: { pk: { S: id }, sk: { S: 'x' } } },
    })
    const transact = (
      items: TransactWriteItem[],
      client = localDynamoClient(proxy.endpoint, { maxAttempts: 1 }),
    ) =>
      client.send(
        new TransactWriteItemsCommand({ TransactItems: items, ClientRequestToken: crypto.randomUUID() }),
      )
    const stored = async (id: string) =>
      (
        await direct.send(
          new GetItemCommand({ TableName: table.name, Key: { pk: { S: id }, sk: { S: 'x' } } }),
        )
      ).Item

    it('cancels the next N transactions as DynamoDB does, one reason per item, nothing written', async () => {
      proxy.faults.set({ transactionConflict: 2 })
      const before = proxy.calls('TransactWriteItems')
      const first = await transact([putItem('tc-1'), putItem('tc-2')]).catch((e: unknown) => e)
      expect(first).toBeInstanceOf(TransactionCanceledException)
      expect(first).toMatchObject({
        name: 'TransactionCanceledException',
        message:
          'Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict, None]',
        $metadata: { httpStatusCode: 400 },
        CancellationReasons: [
          { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' },
          { Code: 'None' },
        ],
      })
      const second = await transact([putItem('tc-1'), putItem('tc-2'), putItem('tc-3')]).catch(
        (e: unknown) => e,
      )
      expect((second as TransactionCanceledException).CancellationReasons?.map((r) => r.Code)).toEqual([
        'TransactionConflict',
        'None',
        'None',
      ])
      expect(await stored('tc-1')).toBeUndefined()
      // Budget spent: the third goes through to DynamoDB Local and lands.
      await transact([putItem('tc-1'), putItem('tc-2')])
      expect(await stored('tc-2')).toEqual({ pk: { S: 'tc-2' }, sk: { S: 'x' } })
      expect(proxy.calls('TransactWriteItems') - before).toBe(3)
    })

    it('names the configured item as conflicting, the last one when the index is past the end', async () => {
      proxy.faults.set({ transactionConflict: 2, conflictItemIndex: 1 })
      const middle = await transact([putItem('ix-1'), putItem('ix-2'), putItem('ix-3')]).catch(
        (e: unknown) => e,
      )
      expect(middle).toMatchObject({
        message:
          'Transaction cancelled, please refer cancellation reasons for specific reasons [None, TransactionConflict, None]',
      })
      const single = await transact([putItem('ix-1')]).catch((e: unknown) => e)
      expect((single as TransactionCanceledException).CancellationReasons).toEqual([
        { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' },
      ])
      expect(await stored('ix-1')).toBeUndefined()
    })

    it('leaves other operations alone and respects the operation filter', async () => {
      proxy.faults.set({ transactionConflict: 1 })
      await expect(put(undefined, 'not-a-transaction')).resolves.toBeDefined()
      proxy.faults.set({ operation: 'PutItem' })
      await expect(transact([putItem('filtered')])).resolves.toBeDefined()
      proxy.faults.set({ operation: 'TransactWriteItems' })
      await expect(transact([putItem('filtered-2')])).rejects.toBeInstanceOf(TransactionCanceledException)
      expect(await stored('filtered-2')).toBeUndefined()
    })

    it('comes after throttling, is not retried by the SDK, and is cleared by reset', async () => {
      proxy.faults.set({ throttle: 1, transactionConflict: 1, operation: 'TransactWriteItems' })
      await expect(transact([putItem('order')])).rejects.toMatchObject({
        name: 'ProvisionedThroughputExceededException',
      })
      const client = localDynamoClient(proxy.endpoint, { maxAttempts: 3 })
      const before = proxy.calls('TransactWriteItems')
      await expect(transact([putItem('order')], client)).rejects.toBeInstanceOf(TransactionCanceledException)
      expect(proxy.calls('TransactWriteItems') - before).toBe(1)
      proxy.faults.set({ transactionConflict: 5 })
      proxy.faults.reset()
      await expect(transact([putItem('order')])).resolves.toBeDefined()
    })

    it('refuses a count or index that is not a non-negative integer, changing nothing', async () => {
      expect(() => proxy.faults.set({ transactionConflict: -1 })).toThrow(RangeError)
      expect(() => proxy.faults.set({ transactionConflict: 1.5 })).toThrow(/non-negative integer/)
      expect(() => proxy.faults.set({ transactionConflict: Number.NaN })).toThrow(RangeError)
      expect(() => proxy.faults.set({ transactionConflict: 1, conflictItemIndex: -2, throttle: 1 })).toThrow(
        /conflictItemIndex/,
      )
      await expect(transact([putItem('unchanged')])).resolves.toBeDefined()
      await expect(put(undefined, 'unchanged')).resolves.toBeDefined()
    })

    it('answers a body it cannot read with a single reason', async () => {
      proxy.faults.set({ transactionConflict: 1 })
      const response = await fetch(proxy.endpoint, {
        method: 'POST',
        headers: { 'x-amz-target': 'DynamoDB_20120810.TransactWriteItems' },
        body: 'not json',
      })
      expect(response.status).toBe(400)
      expect(await response.json()).toMatchObject({
        __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
        CancellationReasons: [{ Code: 'TransactionConflict' }],
      })
    })
  })

  describe('dropResponse', () => {
    const stored = async (id: string) =>
      (
        await direct.send(
          new GetItemCommand({ TableName: table.name, Key: { pk: { S: id }, sk: { S: 'x' } } }),
        )
      ).Item
    const addOne = (id: string, token: string, client: ReturnType<typeof localDynamoClient>) =>
      client.send(
        new TransactWriteItemsCommand({
          ClientRequestToken: token,
          TransactItems: [
            {
              Update: {
                TableName: table.name,
                Key: { pk: { S: id }, sk: { S: 'x' } },
                UpdateExpression: 'ADD balance :one',
                ExpressionAttributeValues: { ':one': { N: '1' } },
              },
            },
          ],
        }),
      )

    it('applies the request, then loses its answer: the write lands, the client sees a network error', async () => {
      proxy.faults.set({ dropResponse: 1 })
      const before = proxy.calls('PutItem')
      const lost = await put(undefined, 'lost-answer').catch((e: unknown) => e)
      expect(lost).toBeInstanceOf(Error)
      // A network error: no HTTP status, nothing DynamoDB said.
      expect(lost).toMatchObject({ code: 'ECONNRESET' })
      expect((lost as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBeUndefined()
      expect(await stored('lost-answer')).toEqual({ pk: { S: 'lost-answer' }, sk: { S: 'x' } })
      expect(proxy.calls('PutItem') - before).toBe(1)
      // Budget spent: the next answer arrives.
      await expect(put(undefined, 'lost-answer')).resolves.toBeDefined()
    })

    it('loses the answer of a refused write too, leaving the item as it was', async () => {
      await put(undefined, 'refused')
      proxy.faults.set({ dropResponse: 1 })
      const conditional = (client = localDynamoClient(proxy.endpoint, { maxAttempts: 1 })) =>
        client.send(
          new PutItemCommand({
            TableName: table.name,
            Item: { pk: { S: 'refused' }, sk: { S: 'x' }, amount: { N: '1' } },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        )
      await expect(conditional()).rejects.toMatchObject({ code: 'ECONNRESET' })
      await expect(conditional()).rejects.toBeInstanceOf(ConditionalCheckFailedException)
      expect(await stored('refused')).toEqual({ pk: { S: 'refused' }, sk: { S: 'x' } })
    })

    it('lets the SDK resend a transaction whose answer was lost: the same token applies it once', async () => {
      const client = localDynamoClient(proxy.endpoint, { maxAttempts: 3 })
      proxy.faults.set({ dropResponse: 1, operation: 'TransactWriteItems' })
      const before = proxy.calls('TransactWriteItems')
      await addOne('once', crypto.randomUUID(), client)
      expect(proxy.calls('TransactWriteItems') - before).toBe(2)
      expect((await stored('once'))?.balance).toEqual({ N: '1' })
    })

    it('drops the answers of the next N matching calls only, after the other faults, until reset', async () => {
      const client = localDynamoClient(proxy.endpoint, { maxAttempts: 1 })
      proxy.faults.set({ dropResponse: 2, transactionConflict: 1, operation: 'TransactWriteItems' })
      await expect(put(client, 'filtered-out')).resolves.toBeDefined()
      // The conflict is answered first and writes nothing, so it spends no lost answer.
      await expect(addOne('counted', crypto.randomUUID(), client)).rejects.toBeInstanceOf(
        TransactionCanceledException,
      )
      expect(await stored('counted')).toBeUndefined()
      await expect(addOne('counted', crypto.randomUUID(), client)).rejects.toMatchObject({
        code: 'ECONNRESET',
      })
      await expect(addOne('counted', crypto.randomUUID(), client)).rejects.toMatchObject({
        code: 'ECONNRESET',
      })
      await expect(addOne('counted', crypto.randomUUID(), client)).resolves.toBeDefined()
      expect((await stored('counted'))?.balance).toEqual({ N: '3' })
      proxy.faults.set({ dropResponse: 5 })
      proxy.faults.reset()
      await expect(addOne('counted', crypto.randomUUID(), client)).resolves.toBeDefined()
    })

    it('refuses a count that is not a non-negative integer, changing nothing', async () => {
      for (const dropResponse of [-1, 1.5, Number.NaN]) {
        expect(() => proxy.faults.set({ dropResponse, transactionConflict: 1, throttle: 1 })).toThrow(
          /dropResponse must be a non-negative integer/,
        )
      }
      expect(() => proxy.faults.set({ dropResponse: 1, transactionConflict: -1 })).toThrow(
        /transactionConflict/,
      )
      await expect(put(undefined, 'unchanged-by-bad-counts')).resolves.toBeDefined()
      await expect(
        addOne(
          'unchanged-by-bad-counts',
          crypto.randomUUID(),
          localDynamoClient(proxy.endpoint, { maxAttempts: 1 }),
        ),
      ).resolves.toBeDefined()
    })
  })

  it('answers 500 when DynamoDB Local is unreachable', async () => {
    const orphan = await startDynamoFaultProxy('http://127.0.0.1:1')
    const client = localDynamoClient(orphan.endpoint, { maxAttempts: 1 })
    await expect(put(client)).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } })
    await orphan.close()
  })
})
