import { GetItemCommand } from '@aws-sdk/client-dynamodb'
import { createDb, isDynamormError } from '@dynamorm/core'
import { lambdaContext, localDynamoClient } from '@dynamorm/testing'
import middy from '@middy/core'
import { describe, expect, it, vi } from 'vitest'
import { boundToRequest, dynamoClient } from '../src/index.ts'
import { admin, invoke, paymentsTableAndProxyForFile, putPayment, readPayment } from './fixtures.ts'

const env = paymentsTableAndProxyForFile('deadline-payments')

async function rejectionOf(promise: Promise<unknown>) {
  const error = await promise.then(
    () => new Error('expected a rejection'),
    (reason: unknown) => reason as Error & { status: number; details: Record<string, unknown> },
  )
  return error as Error & { status: number; details: Record<string, unknown>; cause?: unknown }
}

describe('the Lambda deadline', () => {
  it("keeps the caller's own abort signal beside the deadline: the caller's abort stays its own error", async () => {
    env.proxy.faults.set({ latencyMs: 5000, operation: 'GetItem' })
    const controller = new AbortController()
    const handler = middy()
      .use(
        dynamoClient({ client: localDynamoClient(env.proxy.endpoint), warmup: false, deadlineMarginMs: 500 }),
      )
      .handler(async (_event, context) => {
        setTimeout(() => controller.abort(new Error('client went away')), 100)
        return context.db.send(
          new GetItemCommand({ TableName: env.table.name, Key: { pk: { S: 'x' }, sk: { S: 'y' } } }),
          { abortSignal: controller.signal },
        )
      })
    const context = lambdaContext({ timeoutMs: 20_000 })
    const error = await rejectionOf(invoke(handler, context))
    expect(isDynamormError(error, 'RequestAbortedError')).toBe(true)
    expect(error.details.reason).toBe('Error')
    // Long before the deadline: the caller's signal, not the deadline's, ended it.
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(10_000)
  })

  it('still cuts a call short at the deadline when the caller passed a signal that never fires', async () => {
    env.proxy.faults.set({ latencyMs: 5000, operation: 'GetItem' })
    const handler = middy()
      .use(
        dynamoClient({ client: localDynamoClient(env.proxy.endpoint), warmup: false, deadlineMarginMs: 500 }),
      )
      .handler(async (_event, context) =>
        context.db.send(
          new GetItemCommand({ TableName: env.table.name, Key: { pk: { S: 'x' }, sk: { S: 'y' } } }),
          {
            abortSignal: new AbortController().signal,
          },
        ),
      )
    const error = await rejectionOf(invoke(handler, lambdaContext({ timeoutMs: 1500 })))
    expect(isDynamormError(error, 'DeadlineExceededError')).toBe(true)
    expect(error.message).toContain('DynamoDB call cut short')
  })

  it('leaves no timer behind once its calls have settled', async () => {
    // Every timer set during the invocation (each call's deadline timer among them) must have fired or
    // been cleared once it settles. Counted by identity: a count of the process's timers also moved with
    // the earlier tests' fault-proxy delays and sockets ending meanwhile.
    const pending = new Set<unknown>()
    const { setTimeout: set, clearTimeout: clear } = globalThis
    const setSpy = vi.spyOn(globalThis, 'setTimeout').mockImplementation(((
      callback: (...args: unknown[]) => void,
      ms?: number,
      ...args: unknown[]
    ) => {
      const timer = set(() => {
        pending.delete(timer)
        callback(...args)
      }, ms)
      pending.add(timer)
      return timer
    }) as typeof setTimeout)
    vi.spyOn(globalThis, 'clearTimeout').mockImplementation((timer) => {
      pending.delete(timer)
      clear(timer)
    })
    const handler = middy()
      .use(dynamoClient({ client: admin.client, warmup: false }))
      .handler(async (_event, context) => {
        await readPayment(context.db, env.table.name, 'no-timer')
        return readPayment(context.db, env.table.name, 'no-timer')
      })
    try {
      expect(await invoke(handler, lambdaContext({ timeoutMs: 600_000 }))).toBeUndefined()
    } finally {
      vi.restoreAllMocks()
    }
    // One deadline timer per call at least, all gone.
    expect(setSpy.mock.calls.filter(([, ms]) => typeof ms === 'number' && ms > 500_000).length).toBe(2)
    expect(pending.size).toBe(0)
  })

  it('refuses to start a call inside the margin, with a typed 503 and nothing sent', async () => {
    const before = env.proxy.calls()
    const handler = middy()
      .use(
        dynamoClient({ client: localDynamoClient(env.proxy.endpoint), warmup: false, deadlineMarginMs: 500 }),
      )
      .handler(async (_event, context) => readPayment(context.db, env.table.name, 'late'))
    const error = await rejectionOf(invoke(handler, lambdaContext({ timeoutMs: 300 })))
    expect(isDynamormError(error, 'DeadlineExceededError')).toBe(true)
    expect(error.status).toBe(503)
    expect(error.message).toMatch(/DynamoDB call not started: \d+ ms left before the Lambda deadline/)
    expect(env.proxy.calls()).toBe(before)
  })

  it('cuts a slow call short before the deadline instead of letting Lambda kill it', async () => {
    env.proxy.faults.set({ latencyMs: 5000, operation: 'GetItem' })
    const before = env.proxy.calls('GetItem')
    const handler = middy()
      .use(
        dynamoClient({ client: localDynamoClient(env.proxy.endpoint), warmup: false, deadlineMarginMs: 500 }),
      )
      .handler(async (_event, context) => readPayment(context.db, env.table.name, 'slow'))
    const context = lambdaContext({ timeoutMs: 1500 })
    const error = await rejectionOf(invoke(handler, context))
    expect(isDynamormError(error, 'DeadlineExceededError')).toBe(true)
    expect(error.message).toContain('DynamoDB call cut short')
    expect(error.cause).toBeDefined()
    // It gave up with the margin still in hand: the request can still answer.
    expect(context.getRemainingTimeInMillis()).toBeGreaterThan(0)
    expect(env.proxy.calls('GetItem') - before).toBe(1)
  })

  it('does not commit the unit of work when too little time is left, and sends nothing', async () => {
    const before = env.proxy.calls()
    const handler = middy()
      .use(
        dynamoClient({
          client: localDynamoClient(env.proxy.endpoint),
          warmup: false,
          deadlineMarginMs: 500,
          minCommitTimeMs: 5000,
        }),
      )
      .handler(async (_event, context) => {
        context.db.unitOfWork.add(putPayment(env.table.name, 'no-time', 1))
      })
    const error = await rejectionOf(invoke(handler, lambdaContext({ timeoutMs: 2000 })))
    expect(isDynamormError(error, 'DeadlineExceededError')).toBe(true)
    expect(error.message).toContain('Unit of work not committed')
    expect(error.details.neededMs).toBe(5000)
    expect(env.proxy.calls()).toBe(before)
    expect(await readPayment(admin, env.table.name, 'no-time')).toBeUndefined()
  })

  it('commits when enough time is left', async () => {
    const handler = middy()
      .use(dynamoClient({ client: localDynamoClient(env.proxy.endpoint), warmup: false }))
      .handler(async (_event, context) => {
        context.db.unitOfWork.add(putPayment(env.table.name, 'in-time', 1))
      })
    await invoke(handler, lambdaContext({ timeoutMs: 10_000 }))
    expect(await readPayment(admin, env.table.name, 'in-time')).toMatchObject({ amount: 1 })
  })

  it('treats a context whose clock gives no number as one without a deadline: calls and commit go through', async () => {
    // Middy's own early timeout would end the handler at once on such a clock; it can be turned off.
    const handler = middy({ timeoutEarlyInMillis: 0 })
      .use(dynamoClient({ client: localDynamoClient(env.proxy.endpoint), warmup: false }))
      .handler(async (_event, context) => {
        context.db.unitOfWork.add(putPayment(env.table.name, 'clock-nan', 1))
        return readPayment(context.db, env.table.name, 'clock-nan')
      })
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => Number.NaN }
    expect(await invoke(handler, context)).toBeUndefined()
    expect(await readPayment(admin, env.table.name, 'clock-nan')).toMatchObject({ amount: 1 })
  })

  it('counts a clock that stops giving a finite number mid-request as out of time: nothing started, nothing half-sent', async () => {
    env.proxy.faults.set({ latencyMs: 50 })
    for (const reading of [Number.NaN, undefined, '5000', Number.POSITIVE_INFINITY]) {
      let broken = false
      const context = {
        ...lambdaContext(),
        getRemainingTimeInMillis: () => (broken ? reading : 10_000),
      }
      const paying = (read: boolean) =>
        middy({ timeoutEarlyInMillis: 0 })
          .use(dynamoClient({ client: localDynamoClient(env.proxy.endpoint), warmup: false }))
          .handler(async (_event, context) => {
            broken = true
            context.db.unitOfWork.add(putPayment(env.table.name, 'clock-breaks', 1))
            if (read) await readPayment(context.db, env.table.name, 'clock-breaks')
          })
      const before = env.proxy.calls()
      broken = false
      const read = await rejectionOf(invoke(paying(true), context))
      expect(isDynamormError(read, 'DeadlineExceededError')).toBe(true)
      expect(read.message).toBe(
        'DynamoDB call not started: 0 ms left before the Lambda deadline, 1 ms needed',
      )
      broken = false
      const commit = await rejectionOf(invoke(paying(false), context))
      expect(isDynamormError(commit, 'DeadlineExceededError')).toBe(true)
      expect(commit.message).toContain('Unit of work not committed: 0 ms left')
      // Neither the read nor the commit was sent, so no write can have landed unseen.
      expect(env.proxy.calls()).toBe(before)
    }
    expect(await readPayment(admin, env.table.name, 'clock-breaks')).toBeUndefined()
  })

  it('lets calls run on a clock that reports more time than a timer holds (over 2^31 ms)', async () => {
    // A hand-made or local runner's context may report days; a timer past 2^31 - 1 ms fires at once.
    env.proxy.faults.set({ latencyMs: 100, operation: 'GetItem' })
    const handler = middy({ timeoutEarlyInMillis: 0 })
      .use(dynamoClient({ client: localDynamoClient(env.proxy.endpoint), warmup: false }))
      .handler(async (_event, context) => {
        context.db.unitOfWork.add(putPayment(env.table.name, 'clock-huge', 1))
        return readPayment(context.db, env.table.name, 'clock-huge')
      })
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => 2 ** 31 + 1000 }
    expect(await invoke(handler, context)).toBeUndefined()
    expect(await readPayment(admin, env.table.name, 'clock-huge')).toMatchObject({ amount: 1 })
  })

  it('bounds calls by a clock that counts in fractions of a millisecond', async () => {
    env.proxy.faults.set({ latencyMs: 5000, operation: 'GetItem' })
    const handler = middy()
      .use(
        dynamoClient({ client: localDynamoClient(env.proxy.endpoint), warmup: false, deadlineMarginMs: 500 }),
      )
      .handler(async (_event, context) => {
        context.db.unitOfWork.add(putPayment(env.table.name, 'clock-fraction', 1))
        return readPayment(context.db, env.table.name, 'clock-fraction')
      })
    const start = performance.now()
    const context = { ...lambdaContext(), getRemainingTimeInMillis: () => start + 1000.5 - performance.now() }
    const error = await rejectionOf(invoke(handler, context))
    expect(isDynamormError(error, 'DeadlineExceededError')).toBe(true)
    expect(error.message).toContain('DynamoDB call cut short')
    expect(await readPayment(admin, env.table.name, 'clock-fraction')).toBeUndefined()
  })

  it('passes errors other than the deadline through unchanged', async () => {
    const handler = middy()
      .use(dynamoClient({ client: localDynamoClient(env.proxy.endpoint), warmup: false }))
      .handler(async (_event, context) => readPayment(context.db, 'no-such-table-for-deadline', 'x'))
    const error = await rejectionOf(invoke(handler))
    expect(isDynamormError(error, 'TableNotFoundError')).toBe(true)
  })
})

describe('boundToRequest', () => {
  it("bounds another client (a partner's) by the same request deadline", async () => {
    const partnerClient = localDynamoClient(env.proxy.endpoint)
    const before = env.proxy.calls()
    const handler = middy()
      .use(dynamoClient({ client: admin.client, warmup: false, deadlineMarginMs: 500 }))
      .handler(async (_event, context) => {
        const bound = boundToRequest(partnerClient, context.db)
        expect(bound).not.toBe(partnerClient)
        expect(bound.config).toBe(partnerClient.config)
        // Scoped Dbs of the request (a partner's) carry the same deadline.
        expect(boundToRequest(partnerClient, context.db.scoped({ client: bound }))).not.toBe(partnerClient)
        return readPayment(createDb({ client: bound }), env.table.name, 'bound')
      })
    const error = await rejectionOf(invoke(handler, lambdaContext({ timeoutMs: 200 })))
    expect(isDynamormError(error, 'DeadlineExceededError')).toBe(true)
    expect(env.proxy.calls()).toBe(before)
  })

  it('returns the client itself when the request has no deadline', () => {
    const client = localDynamoClient(env.proxy.endpoint)
    expect(boundToRequest(client, createDb({ client: admin.client }))).toBe(client)
  })

  it.each([
    ['send(command, callback)', false],
    ['send(command, options, callback)', true],
  ])('leaves callback-style sends alone: %s', async (_form, withOptions) => {
    type Callback = (error: unknown, data: unknown) => void
    const handler = middy()
      .use(dynamoClient({ client: admin.client, warmup: false }))
      .handler(async (_event, context) => {
        const command = new GetItemCommand({
          TableName: env.table.name,
          Key: { pk: { S: 'x' }, sk: { S: 'y' } },
        })
        const send = context.db.client.send as (command: unknown, ...rest: unknown[]) => void
        return new Promise((resolve, reject) => {
          const callback: Callback = (error, data) => (error ? reject(error) : resolve(data))
          if (withOptions) send(command, {}, callback)
          else send(command, callback)
        })
      })
    expect(await invoke(handler)).toMatchObject({ $metadata: { httpStatusCode: 200 } })
  })

  it('refuses a signal that is not an AbortSignal rather than dropping it for the deadline', async () => {
    const before = env.proxy.calls()
    const handler = middy()
      .use(dynamoClient({ client: localDynamoClient(env.proxy.endpoint), warmup: false }))
      .handler(async (_event, context) =>
        context.db.client.send(
          new GetItemCommand({ TableName: env.table.name, Key: { pk: { S: 'x' }, sk: { S: 'y' } } }),
          { abortSignal: { aborted: false, onabort: null } },
        ),
      )
    const error = await rejectionOf(invoke(handler))
    expect(isDynamormError(error, 'ValidationError')).toBe(true)
    expect(error.message).toBe('send: abortSignal must be an AbortSignal')
    expect(env.proxy.calls()).toBe(before)
  })
})
