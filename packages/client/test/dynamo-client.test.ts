import { randomUUID } from 'node:crypto'
import { QueryCommand, type TransactWriteItem, UpdateItemCommand } from '@aws-sdk/client-dynamodb'
import { type CommitOutcome, Db, isDynamormError, marshallItem, unmarshallItem } from '@dynamorm/core'
import { lambdaContext, localDynamoClient } from '@dynamorm/testing'
import middy from '@middy/core'
import { describe, expect, it, vi } from 'vitest'
import { createWarmDynamoClient, dynamoClient } from '../src/index.ts'
import {
  admin,
  credentials,
  endpoint,
  invoke,
  paymentsTableAndProxyForFile,
  putPayment,
  readPayment,
} from './fixtures.ts'

const env = paymentsTableAndProxyForFile('client-payments')

const viaProxy = () => dynamoClient({ client: localDynamoClient(env.proxy.endpoint), warmup: false })

async function expectRejection(promise: Promise<unknown>): Promise<Error & { status?: number }> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  )
  expect(error).toBeInstanceOf(Error)
  return error as Error & { status: number }
}

describe('context.db', () => {
  it('is a Db bound to the given client, with a fresh meter and unit of work for every request', async () => {
    const client = localDynamoClient(endpoint)
    const seen: Db[] = []
    const handler = middy()
      .use(dynamoClient({ client, warmup: false }))
      .handler(async (_event, context) => {
        seen.push(context.db)
        await readPayment(context.db, env.table.name, 'none')
        return context.db.meter.totals().calls
      })
    expect(await invoke(handler)).toBe(1)
    expect(await invoke(handler)).toBe(1)
    expect(seen).toHaveLength(2)
    expect(seen[0]).toBeInstanceOf(Db)
    expect(seen[0]).not.toBe(seen[1])
    expect(seen[0]!.meter).not.toBe(seen[1]!.meter)
    // The request's client is a view of the container's client: same config, same sockets.
    expect(seen[0]!.client.config).toBe(client.config)
  })

  it("asks for consumed capacity per index by default, and for none with consumedCapacity: 'NONE'", async () => {
    const client = localDynamoClient(endpoint)
    const unitsRead = (consumedCapacity?: 'NONE') =>
      middy()
        .use(dynamoClient({ client, warmup: false, ...(consumedCapacity ? { consumedCapacity } : {}) }))
        .handler(async (_event, context) => {
          await readPayment(context.db, env.table.name, 'none')
          const { calls, readCapacityUnits } = context.db.meter.totals()
          return { calls, readCapacityUnits, level: context.db.options.consumedCapacity ?? 'INDEXES' }
        })
    const measured = await invoke(unitsRead())
    expect(measured.calls).toBe(1)
    expect(measured.readCapacityUnits).toBeGreaterThan(0)
    expect(await invoke(unitsRead('NONE'))).toEqual({ calls: 1, readCapacityUnits: 0, level: 'NONE' })
  })

  it('resolves table names with the configured prefix', async () => {
    const handler = middy()
      .use(dynamoClient({ client: admin.client, warmup: false, tableName: 'partner-x-' }))
      .handler(async (_event, context) => context.db.tableName('payments'))
    expect(await invoke(handler)).toBe('partner-x-payments')
  })

  it('works outside Lambda, where the context has no deadline', async () => {
    const handler = middy()
      .use(dynamoClient({ client: admin.client, warmup: false }))
      .handler(async (_event, context) => {
        context.db.unitOfWork.add(putPayment(env.table.name, 'no-deadline', 5))
        return context.db.client === admin.client
      })
    expect(await invoke(handler, { awsRequestId: randomUUID() })).toBe(true)
    expect(await readPayment(admin, env.table.name, 'no-deadline')).toMatchObject({ amount: 5 })
  })
})

describe('unit of work', () => {
  it('commits everything queued as one TransactWriteItems after the handler', async () => {
    const before = env.proxy.calls('TransactWriteItems')
    const handler = middy()
      .use(viaProxy())
      .handler(async (_event, context) => {
        context.db.unitOfWork.add(putPayment(env.table.name, 'together-1', 100))
        context.db.unitOfWork.add(putPayment(env.table.name, 'together-2', 200), { label: 'second' })
        // Nothing is sent until after the handler.
        expect(await readPayment(admin, env.table.name, 'together-1')).toBeUndefined()
        return 'ok'
      })
    expect(await invoke(handler)).toBe('ok')
    expect(env.proxy.calls('TransactWriteItems') - before).toBe(1)
    expect(await readPayment(admin, env.table.name, 'together-1')).toMatchObject({ amount: 100 })
    expect(await readPayment(admin, env.table.name, 'together-2')).toMatchObject({ amount: 200 })
  })

  it('sends nothing when nothing was queued, and still settles the unit of work', async () => {
    const before = env.proxy.calls()
    const outcomes: CommitOutcome[] = []
    const handler = middy()
      .use(viaProxy())
      .handler(async (_event, context) => {
        context.db.unitOfWork.onSettled((outcome) => outcomes.push(outcome))
        return 'read-only'
      })
    expect(await invoke(handler)).toBe('read-only')
    expect(env.proxy.calls()).toBe(before)
    expect(outcomes).toEqual([{ committed: true, writes: 0 }])
  })

  it('settles an empty unit of work even with too little time left to commit (nothing to refuse)', async () => {
    const outcomes: CommitOutcome[] = []
    const handler = middy()
      .use(
        dynamoClient({
          client: localDynamoClient(env.proxy.endpoint),
          warmup: false,
          minCommitTimeMs: 60_000,
        }),
      )
      .handler(async (_event, context) => {
        context.db.unitOfWork.onSettled((outcome) => outcomes.push(outcome))
        return 'read-only'
      })
    expect(await invoke(handler, lambdaContext({ timeoutMs: 5000 }))).toBe('read-only')
    expect(outcomes).toEqual([{ committed: true, writes: 0 }])
  })

  it('cancels every write when one condition fails, naming the write by its label', async () => {
    await admin.send(
      new UpdateItemCommand({
        TableName: env.table.name,
        Key: marshallItem({ pk: 'PAYMENT#taken', sk: 'V1' }),
        UpdateExpression: 'SET amount = :a',
        ExpressionAttributeValues: marshallItem({ ':a': 1 }),
      }),
    )
    const handler = middy()
      .use(viaProxy())
      .handler(async (_event, context) => {
        context.db.unitOfWork.add(putPayment(env.table.name, 'cancelled-1', 10), { label: 'payment' })
        context.db.unitOfWork.add(putPayment(env.table.name, 'taken', 20), { label: 'duplicate' })
      })
    const error = await expectRejection(invoke(handler))
    expect(isDynamormError(error, 'TransactionCancelledError')).toBe(true)
    expect(error.status).toBe(409)
    const reasons = (error as unknown as { reasons: Array<{ code: string; label?: string }> }).reasons
    expect(reasons.map((reason) => [reason.code, reason.label])).toEqual([
      ['None', 'payment'],
      ['ConditionalCheckFailed', 'duplicate'],
    ])
    expect(await readPayment(admin, env.table.name, 'cancelled-1')).toBeUndefined()
    expect(await readPayment(admin, env.table.name, 'taken')).toMatchObject({ amount: 1 })
  })

  it('sends nothing when the handler throws, and rethrows the handler error', async () => {
    const before = env.proxy.calls()
    let queued = 0
    const outcomes: CommitOutcome[] = []
    const handler = middy()
      .use(viaProxy())
      .handler(async (_event, context) => {
        context.db.unitOfWork.onSettled((outcome) => outcomes.push(outcome))
        context.db.unitOfWork.add(putPayment(env.table.name, 'failed-1', 10))
        queued = context.db.unitOfWork.size
        throw new Error('card declined')
      })
    const error = await expectRejection(invoke(handler))
    expect(error.message).toBe('card declined')
    expect(queued).toBe(1)
    expect(outcomes).toEqual([{ committed: false, writes: 1 }])
    expect(env.proxy.calls()).toBe(before)
    expect(await readPayment(admin, env.table.name, 'failed-1')).toBeUndefined()
  })

  it('discards the unit of work when a later middleware fails in after', async () => {
    let db: Db | undefined
    const handler = middy()
      .use(viaProxy())
      .use({
        after: async () => {
          throw new Error('audit failed')
        },
      })
      .handler(async (_event, context) => {
        db = context.db
        context.db.unitOfWork.add(putPayment(env.table.name, 'after-failed', 10))
      })
    await expectRejection(invoke(handler))
    expect(db!.unitOfWork.size).toBe(0)
    expect(await readPayment(admin, env.table.name, 'after-failed')).toBeUndefined()
  })

  it('tolerates an earlier middleware failing before context.db exists', async () => {
    const handler = middy()
      .use({
        before: async () => {
          throw new Error('body parser failed')
        },
      })
      .use(viaProxy())
      .handler(async () => 'never')
    const error = await expectRejection(invoke(handler))
    expect(error.message).toBe('body parser failed')
  })

  it('refuses more than 100 writes with a clear error before sending anything', async () => {
    const before = env.proxy.calls()
    const handler = middy()
      .use(viaProxy())
      .handler(async (_event, context) => {
        for (let i = 0; i < 101; i++) context.db.unitOfWork.add(putPayment(env.table.name, `big-${i}`, i))
      })
    const error = await expectRejection(invoke(handler))
    expect(isDynamormError(error, 'TransactionTooLargeError')).toBe(true)
    expect(error.message).toContain('101')
    expect(env.proxy.calls()).toBe(before)
    expect(await readPayment(admin, env.table.name, 'big-0')).toBeUndefined()
  })

  it('commits exactly 100 writes', async () => {
    const handler = middy()
      .use(viaProxy())
      .handler(async (_event, context) => {
        for (let i = 0; i < 100; i++) context.db.unitOfWork.add(putPayment(env.table.name, `hundred-${i}`, i))
      })
    await invoke(handler)
    expect(await readPayment(admin, env.table.name, 'hundred-0')).toMatchObject({ amount: 0 })
    expect(await readPayment(admin, env.table.name, 'hundred-99')).toMatchObject({ amount: 99 })
  })

  it('sends a commit cancelled by a TransactionConflict again when commit.conflictRetries allows it', async () => {
    const paying = (commit?: { conflictRetries: number; baseDelayMs: number }) =>
      middy()
        .use(dynamoClient({ client: localDynamoClient(env.proxy.endpoint), warmup: false, commit }))
        .handler(async (_event, context) => {
          context.db.unitOfWork.add(putPayment(env.table.name, `conflict-${commit?.conflictRetries ?? 0}`, 7))
        })
    env.proxy.faults.set({ transactionConflict: 1 })
    const refused = await invoke(paying()).catch((e: unknown) => e)
    expect(isDynamormError(refused, 'TransactionCancelledError')).toBe(true)
    expect(await readPayment(admin, env.table.name, 'conflict-0')).toBeUndefined()
    env.proxy.faults.set({ transactionConflict: 1 })
    const before = env.proxy.calls('TransactWriteItems')
    await invoke(paying({ conflictRetries: 2, baseDelayMs: 1 }))
    expect(env.proxy.calls('TransactWriteItems') - before).toBe(2)
    expect(await readPayment(admin, env.table.name, 'conflict-2')).toMatchObject({ amount: 7 })
  })

  it('refuses invalid commit options when the middleware is created', () => {
    for (const commit of [{ conflictRetries: -1 }, { conflictRetries: 11 }, { baseDelayMs: 5000 }]) {
      expect(() => dynamoClient({ client: admin.client, warmup: false, commit })).toThrow(
        expect.objectContaining({ name: 'ValidationError' }),
      )
    }
  })

  it('uses the Lambda request id as ClientRequestToken, so a repeated commit applies once', async () => {
    const awsRequestId = randomUUID()
    const handler = middy()
      .use(viaProxy())
      .handler(async (_event, context) => {
        context.db.unitOfWork.add({
          Update: {
            TableName: env.table.name,
            Key: marshallItem({ pk: 'BALANCE#token', sk: 'V1' }),
            UpdateExpression: 'ADD balance :one',
            ExpressionAttributeValues: marshallItem({ ':one': 1 }),
          },
        })
      })
    await invoke(handler, lambdaContext({ awsRequestId }))
    await invoke(handler, lambdaContext({ awsRequestId }))
    const item = await admin.send(
      new UpdateItemCommand({
        TableName: env.table.name,
        Key: marshallItem({ pk: 'BALANCE#token', sk: 'V1' }),
        UpdateExpression: 'ADD balance :zero',
        ExpressionAttributeValues: marshallItem({ ':zero': 0 }),
        ReturnValues: 'ALL_NEW',
      }),
    )
    expect(item.Attributes?.balance).toEqual({ N: '1' })
  })
})

describe('a commit whose answer is lost', () => {
  // An idempotency completion as the idempotency middleware queues it: conditioned on the lock's owner.
  const completeRecord = (key: string, owner: string): TransactWriteItem => ({
    Put: {
      TableName: env.table.name,
      Item: marshallItem({ pk: `IDEMPOTENCY#${key}`, sk: 'V1', status: 'COMPLETED', owner }),
      ConditionExpression: 'attribute_not_exists(pk) OR #owner = :owner',
      ExpressionAttributeNames: { '#owner': 'owner' },
      ExpressionAttributeValues: marshallItem({ ':owner': owner }),
    },
  })
  const paying = (id: string, outcomes: CommitOutcome[], meters: Db[], maxAttempts = 3) =>
    middy()
      .use(
        dynamoClient({
          client: createWarmDynamoClient({
            clientConfig: { region: 'us-east-1', endpoint: env.proxy.endpoint, credentials },
            maxAttempts,
          }),
          warmup: false,
        }),
      )
      .handler(async (_event, context) => {
        meters.push(context.db)
        context.db.unitOfWork.onSettled((outcome) => outcomes.push(outcome))
        context.db.unitOfWork.add(putPayment(env.table.name, id, 4200), { label: 'payment' })
        context.db.unitOfWork.add(completeRecord(id, 'owner-1'), { label: 'idempotency-completion' })
        return { statusCode: 201, body: id }
      })

  it('is sent again by the SDK with the same token: the request succeeds, the writes land once, one commit is reported', async () => {
    const outcomes: CommitOutcome[] = []
    const dbs: Db[] = []
    env.proxy.faults.set({ dropResponse: 1, operation: 'TransactWriteItems' })
    const before = env.proxy.calls('TransactWriteItems')
    expect(await invoke(paying('lost-once', outcomes, dbs))).toEqual({ statusCode: 201, body: 'lost-once' })
    // The first attempt landed unseen; the SDK's second, same ClientRequestToken, is answered with success.
    expect(env.proxy.calls('TransactWriteItems') - before).toBe(2)
    expect(await readPayment(admin, env.table.name, 'lost-once')).toMatchObject({ amount: 4200 })
    const { Items } = await admin.send(
      new QueryCommand({
        TableName: env.table.name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: marshallItem({ ':pk': 'IDEMPOTENCY#lost-once' }),
        ConsistentRead: true,
      }),
    )
    expect(Items?.map((item) => unmarshallItem(item))).toEqual([
      { pk: 'IDEMPOTENCY#lost-once', sk: 'V1', status: 'COMPLETED', owner: 'owner-1' },
    ])
    expect(outcomes).toEqual([{ committed: true, writes: 2 }])
    const totals = dbs[0]!.meter.totals()
    expect(totals).toMatchObject({ calls: 1, failedCalls: 0 })
    expect(totals.writeCapacityUnits).toBeGreaterThan(0)
  })

  it('says the outcome is unknown when the SDK may not send it again: the writes landed unseen', async () => {
    env.proxy.faults.set({ dropResponse: 1, operation: 'TransactWriteItems' })
    const error = await expectRejection(invoke(paying('lost-unseen', [], [], 1)))
    expect(isDynamormError(error, 'ServiceUnavailableError')).toBe(true)
    expect(error.status).toBe(503)
    expect(error.message).toBe(
      'DynamoDB is unavailable: socket hang up. The unit of work was sent and no answer came back: its 2 writes may have landed; retry with the same idempotency key, or read before acting',
    )
    expect((error as Error & { details: unknown }).details).toEqual({ outcome: 'unknown', writes: 2 })
    expect(isDynamormError(error.cause, 'ServiceUnavailableError')).toBe(true)
    // It did land: a caller that retried under a new request id without an idempotency key would pay twice.
    expect(await readPayment(admin, env.table.name, 'lost-unseen')).toMatchObject({ amount: 4200 })
  })

  it('says the outcome is unknown when the deadline cuts the commit short, and it may still land', async () => {
    env.proxy.faults.set({ latencyMs: 1500, operation: 'TransactWriteItems' })
    const handler = middy()
      .use(
        dynamoClient({ client: localDynamoClient(env.proxy.endpoint), warmup: false, deadlineMarginMs: 500 }),
      )
      .handler(async (_event, context) => {
        context.db.unitOfWork.add(putPayment(env.table.name, 'late-landing', 4200))
      })
    const error = await expectRejection(invoke(handler, lambdaContext({ timeoutMs: 1500 })))
    expect(isDynamormError(error, 'DeadlineExceededError')).toBe(true)
    expect(error.status).toBe(503)
    expect(error.message).toMatch(/^DynamoDB call cut short: .*its 1 writes may have landed/)
    expect((error as Error & { details: unknown }).details).toMatchObject({ outcome: 'unknown', writes: 1 })
    expect(isDynamormError(error.cause, 'DeadlineExceededError')).toBe(true)
    // The proxy still hands the transaction to DynamoDB once its delay is over.
    await vi.waitFor(
      async () =>
        expect(await readPayment(admin, env.table.name, 'late-landing')).toMatchObject({ amount: 4200 }),
      { timeout: 5000, interval: 50 },
    )
  })

  it('says the outcome is unknown when every attempt times out, and it still lands', async () => {
    env.proxy.faults.set({ latencyMs: 400, operation: 'TransactWriteItems' })
    const handler = middy()
      .use(
        dynamoClient({
          client: createWarmDynamoClient({
            clientConfig: { region: 'us-east-1', endpoint: env.proxy.endpoint, credentials },
            maxAttempts: 2,
            requestTimeoutMs: 200,
          }),
          warmup: false,
        }),
      )
      .handler(async (_event, context) => {
        context.db.unitOfWork.add({
          Update: {
            TableName: env.table.name,
            Key: marshallItem({ pk: 'BALANCE#timed-out', sk: 'V1' }),
            UpdateExpression: 'ADD balance :one',
            ExpressionAttributeValues: marshallItem({ ':one': 1 }),
          },
        })
      })
    const before = env.proxy.calls('TransactWriteItems')
    const error = await expectRejection(invoke(handler))
    expect(isDynamormError(error, 'ServiceUnavailableError')).toBe(true)
    expect((error as Error & { details: unknown }).details).toEqual({ outcome: 'unknown', writes: 1 })
    expect(env.proxy.calls('TransactWriteItems') - before).toBe(2)
    // The proxy hands the copies to DynamoDB once their delay is over: the write the caller gave up on lands.
    await vi.waitFor(
      async () => {
        const balance = await admin.send(
          new QueryCommand({
            TableName: env.table.name,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: marshallItem({ ':pk': 'BALANCE#timed-out' }),
            ConsistentRead: true,
          }),
        )
        expect(balance.Items?.map((item) => unmarshallItem(item).balance)).toEqual([1])
      },
      { timeout: 5000, interval: 50 },
    )
  })

  it('keeps the errors of a commit that DynamoDB answered, or that was never sent', async () => {
    env.proxy.faults.set({ throttle: 1, operation: 'TransactWriteItems' })
    const throttled = await expectRejection(invoke(paying('throttled-once', [], [], 1)))
    expect(isDynamormError(throttled, 'ThrottledError')).toBe(true)
    expect((throttled as Error & { details: object }).details).not.toHaveProperty('outcome')
    expect(await readPayment(admin, env.table.name, 'throttled-once')).toBeUndefined()
    const handler = middy()
      .use(viaProxy())
      .handler(async (_event, context) => {
        context.db.unitOfWork.add(putPayment(env.table.name, 'never-sent', 1))
      })
    const notSent = await expectRejection(invoke(handler, lambdaContext({ timeoutMs: 600 })))
    expect(isDynamormError(notSent, 'DeadlineExceededError')).toBe(true)
    expect((notSent as Error & { details: object }).details).not.toHaveProperty('outcome')
    expect(await readPayment(admin, env.table.name, 'never-sent')).toBeUndefined()
  })
})
