import { connect, createServer } from 'node:net'
import { ListTablesCommand } from '@aws-sdk/client-dynamodb'
import { createDb, isDynamormError } from '@dynamorm/core'
import { type DynamoFaultProxy, findFreePort, lambdaContext, startDynamoFaultProxy } from '@dynamorm/testing'
import middy from '@middy/core'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { createWarmDynamoClient, dynamoClient, warmDynamoClientDefaults } from '../src/index.ts'
import { credentials, invoke } from './fixtures.ts'

const endpoint = inject('dynamoEndpoint')
let proxy: DynamoFaultProxy

beforeAll(async () => {
  proxy = await startDynamoFaultProxy(endpoint)
})
afterAll(() => proxy.close())
afterEach(() => proxy.faults.reset())

const local = (target: string) => ({ region: 'us-east-1', endpoint: target, credentials })

/** A TCP relay to `target` that counts the connections opened through it. */
async function connectionCounter(target: string) {
  const { hostname, port } = new URL(target)
  let connections = 0
  const open = new Set<{ destroy(): void }>()
  const server = createServer((socket) => {
    connections += 1
    open.add(socket)
    const upstream = connect(Number(port), hostname)
    open.add(upstream)
    socket.pipe(upstream).pipe(socket)
    socket.on('error', () => upstream.destroy())
    upstream.on('error', () => socket.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address() as { port: number }
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const socket of open) socket.destroy()
      }),
  }
}

async function rejectionOf(promise: Promise<unknown>) {
  return (await promise.then(
    () => new Error('expected a rejection'),
    (reason: unknown) => reason,
  )) as Error & { status: number }
}

describe('createWarmDynamoClient', () => {
  it('applies the documented defaults, an undefined option meaning the default', async () => {
    const client = createWarmDynamoClient({ clientConfig: local(proxy.endpoint), maxAttempts: undefined })
    expect(await client.config.maxAttempts()).toBe(3)
    expect(client.config.retryMode).toBe('standard')
    await client.send(new ListTablesCommand({ Limit: 1 }))
    // The SDK's NodeHttpHandler, typed by the one method read here (its package is not a dependency).
    const requestHandler = client.config.requestHandler as unknown as {
      httpHandlerConfigs(): Promise<Record<string, unknown>>
    }
    const handlerConfig = await requestHandler.httpHandlerConfigs()
    expect(handlerConfig).toMatchObject({
      connectionTimeout: warmDynamoClientDefaults.connectionTimeoutMs,
      requestTimeout: warmDynamoClientDefaults.requestTimeoutMs,
      throwOnRequestTimeout: true,
    })
    // Keep-alive agents the SDK made from the options (the endpoint here is http, the default https).
    const agents = handlerConfig as unknown as {
      httpsAgent: { keepAlive: boolean; maxSockets: number }
      httpAgentProvider: () => Promise<{ keepAlive: boolean; maxSockets: number }>
    }
    expect(agents.httpsAgent).toMatchObject({ keepAlive: true, maxSockets: 50 })
    expect(await agents.httpAgentProvider()).toMatchObject({ keepAlive: true, maxSockets: 50 })
  })

  it('retries throttling with backoff up to maxAttempts', async () => {
    const client = createWarmDynamoClient({ clientConfig: local(proxy.endpoint), maxAttempts: 3 })
    proxy.faults.set({ throttle: 2, operation: 'ListTables' })
    const before = proxy.calls('ListTables')
    const output = await client.send(new ListTablesCommand({ Limit: 1 }))
    expect(output.$metadata.attempts).toBe(3)
    expect(proxy.calls('ListTables') - before).toBe(3)
  })

  it('gives up after maxAttempts with a typed 429', async () => {
    const db = createDb({
      client: createWarmDynamoClient({ clientConfig: local(proxy.endpoint), maxAttempts: 1 }),
    })
    proxy.faults.set({ throttle: 1, operation: 'ListTables' })
    const before = proxy.calls('ListTables')
    const error = await rejectionOf(db.send(new ListTablesCommand({ Limit: 1 })))
    expect(isDynamormError(error, 'ThrottledError')).toBe(true)
    expect(error.status).toBe(429)
    expect(proxy.calls('ListTables') - before).toBe(1)
  })

  it('fails an attempt that outlives requestTimeoutMs, retries it, then reports 503', async () => {
    const db = createDb({
      client: createWarmDynamoClient({
        clientConfig: local(proxy.endpoint),
        maxAttempts: 2,
        requestTimeoutMs: 200,
      }),
    })
    proxy.faults.set({ latencyMs: 3000, operation: 'ListTables' })
    const before = proxy.calls('ListTables')
    const error = await rejectionOf(db.send(new ListTablesCommand({ Limit: 1 })))
    expect(isDynamormError(error, 'ServiceUnavailableError')).toBe(true)
    expect(error.status).toBe(503)
    expect(proxy.calls('ListTables') - before).toBe(2)
  })

  it('keeps one connection alive across calls', async () => {
    const counter = await connectionCounter(endpoint)
    try {
      const client = createWarmDynamoClient({ clientConfig: local(counter.endpoint) })
      for (let i = 0; i < 3; i++) await client.send(new ListTablesCommand({ Limit: 1 }))
      expect(counter.connections()).toBe(1)
      client.destroy()
    } finally {
      await counter.close()
    }
  })
})

describe('dynamoClient warm-up', () => {
  afterEach(() => {
    vi.unstubAllEnvs()
  })

  it('opens the connection when the factory runs, once, and the first request waits for it', async () => {
    const before = proxy.calls('DescribeEndpoints')
    const middleware = dynamoClient({ clientConfig: local(proxy.endpoint), warmup: true })
    expect(proxy.calls('DescribeEndpoints') - before).toBeLessThanOrEqual(1)
    const handler = middy()
      .use(middleware)
      .handler(async () => 'warm')
    expect(await invoke(handler)).toBe('warm')
    expect(proxy.calls('DescribeEndpoints') - before).toBe(1)
    await invoke(handler)
    expect(proxy.calls('DescribeEndpoints') - before).toBe(1)
  })

  it('sends nothing at init with warmup: false', async () => {
    const before = proxy.calls()
    const handler = middy()
      .use(dynamoClient({ clientConfig: local(proxy.endpoint), warmup: false }))
      .handler(async () => 'cold')
    expect(await invoke(handler)).toBe('cold')
    expect(proxy.calls()).toBe(before)
  })

  it('by default warms up only where Lambda initialises for provisioned concurrency, ahead of traffic', async () => {
    const warmUps = async () => {
      const before = proxy.calls('DescribeEndpoints')
      const handler = middy()
        .use(dynamoClient({ clientConfig: local(proxy.endpoint) }))
        .handler(async () => 'served')
      expect(await invoke(handler)).toBe('served')
      return proxy.calls('DescribeEndpoints') - before
    }
    // Outside Lambda, and on an on-demand cold start (the event is already waiting): no extra call.
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', undefined)
    expect(await warmUps()).toBe(0)
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand')
    expect(await warmUps()).toBe(0)
    // SnapStart restores a snapshot: a socket opened before it would be dead after.
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'snap-start')
    expect(await warmUps()).toBe(0)
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'provisioned-concurrency')
    expect(await warmUps()).toBe(1)
  })

  it('refuses a warmup setting it does not know, at init', () => {
    expect(() => dynamoClient({ clientConfig: local(proxy.endpoint), warmup: 'always' as never })).toThrow(
      expect.objectContaining({ name: 'ValidationError', message: expect.stringMatching(/warmup must be/) }),
    )
  })

  it('counts any HTTP answer (even an error) as a warm connection, without logging', async () => {
    const lines: string[] = []
    proxy.faults.set({ serverError: 10, operation: 'DescribeEndpoints' })
    const handler = middy()
      .use(
        dynamoClient({
          clientConfig: local(proxy.endpoint),
          warmup: true,
          maxAttempts: 1,
          logger: { warn: (line) => lines.push(line) },
        }),
      )
      .handler(async () => 'ok')
    expect(await invoke(handler)).toBe('ok')
    expect(lines).toEqual([])
  })

  it('swallows a failed warm-up and logs one line without secrets; requests still work', async () => {
    const lines: string[] = []
    const secret = { accessKeyId: 'AKIAWARMUPSECRET', secretAccessKey: 'very-secret-key' }
    const port = await findFreePort()
    const middleware = dynamoClient({
      clientConfig: { region: 'us-east-1', endpoint: `http://127.0.0.1:${port}`, credentials: secret },
      warmup: true,
      maxAttempts: 1,
      logger: { warn: (line) => lines.push(line) },
    })
    const handler = middy()
      .use(middleware)
      .handler(async () => 'served')
    expect(await invoke(handler, lambdaContext())).toBe('served')
    await invoke(handler, lambdaContext())
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^@dynamorm\/client: connection warm-up failed \(\w+\)/)
    expect(lines[0]).not.toContain(secret.accessKeyId)
    expect(lines[0]).not.toContain(secret.secretAccessKey)
  })
})
