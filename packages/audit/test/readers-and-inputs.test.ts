import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { dynamoClient } from '@dynamorm/client'
import { canonicalJson, createDb, isDynamormError, type JsonValue } from '@dynamorm/core'
import { httpApiEvent, lambdaContext, restApiEvent, type TestTable } from '@dynamorm/testing'
import middy from '@middy/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chainHash } from '../src/chain-hash.ts'
import {
  type AuditRecordInput,
  auditTrail,
  entityHistory,
  entriesBetween,
  exportJsonLines,
  verifyAuditChain,
} from '../src/index.ts'
import { actorOf, routeOf, sourceIpOf } from '../src/request-facts.ts'
import {
  auditedHandler,
  captureLogger,
  createAuditTable,
  type LambdaEntry,
  testClient,
} from './audit-fixture.ts'

let client: DynamoDBClient
let table: TestTable

beforeAll(async () => {
  client = testClient()
  table = await createAuditTable(client, 'readers')
})
afterAll(() => table.delete())

describe('readers', () => {
  const partnerId = 'p-readers'
  const stamps: string[] = []

  beforeAll(async () => {
    const handler = auditedHandler(
      client,
      { table: table.name, shards: 3, logger: () => {} },
      async (event, context) => {
        const { step } = JSON.parse((event as { body: string }).body) as { step: number }
        context.audit.record({
          action: `step-${step}`,
          entity: 'Payment',
          key: { paymentId: step % 2 === 0 ? 'even' : 'odd' },
          after: { step },
        })
        return {}
      },
    )
    for (let step = 1; step <= 6; step++) {
      await handler(
        httpApiEvent({ method: 'POST', jwtClaims: { sub: 'u', partner: partnerId }, body: { step } }),
        lambdaContext(),
      )
      stamps.push(new Date().toISOString())
      await new Promise((resolve) => setTimeout(resolve, 3))
    }
  })

  it("returns one entity's history in time order, either direction, with a limit", async () => {
    const db = createDb({ client })
    const history = await entityHistory({
      db,
      table: table.name,
      partnerId,
      entity: 'Payment',
      key: { paymentId: 'even' },
    })
    expect(history.map((entry) => entry.action)).toEqual(['step-2', 'step-4', 'step-6'])
    const newest = await entityHistory({
      db,
      table: table.name,
      partnerId,
      entity: 'Payment',
      key: { paymentId: 'even' },
      newestFirst: true,
      limit: 2,
    })
    expect(newest.map((entry) => entry.action)).toEqual(['step-6', 'step-4'])
    const none = await entityHistory({
      db,
      table: table.name,
      partnerId: 'other',
      entity: 'Payment',
      key: { paymentId: 'even' },
    })
    expect(none).toEqual([])
  })

  it("returns a partner's entries in a time range, bounds included", async () => {
    const db = createDb({ client })
    const all = await entriesBetween({
      db,
      table: table.name,
      partnerId,
      from: '2000-01-01T00:00:00Z',
      to: new Date(Date.now() + 60_000),
    })
    expect(all.map((entry) => entry.action)).toEqual([
      'step-1',
      'step-2',
      'step-3',
      'step-4',
      'step-5',
      'step-6',
    ])
    const third = all[2]!
    const exact = await entriesBetween({
      db,
      table: table.name,
      partnerId,
      from: third.timestamp,
      to: third.timestamp,
    })
    expect(exact.map((entry) => entry.action)).toEqual(['step-3'])
    const later = await entriesBetween({
      db,
      table: table.name,
      partnerId,
      from: new Date(stamps[3]!),
      to: new Date(Date.now() + 60_000),
      limit: 1,
    })
    expect(later.map((entry) => entry.action)).toEqual(['step-5'])
  })

  it('exports JSON lines in chain order that verify without this library', async () => {
    const lines: string[] = []
    for await (const line of exportJsonLines({
      db: createDb({ client }),
      table: table.name,
      partnerId,
      shards: 3,
    }))
      lines.push(line)
    expect(lines).toHaveLength(6)
    // The documented procedure: drop `hash`, re-serialise with sorted keys, SHA-256, follow prevHash.
    const lastHash = new Map<number, string>()
    for (const line of lines) {
      const { hash, ...content } = JSON.parse(line) as {
        hash: string
        chain: { shard: number; seq: number; prevHash: string }
      }
      expect(chainHash(canonicalJson(content as unknown as JsonValue))).toBe(hash)
      const previous = lastHash.get(content.chain.shard)
      if (previous !== undefined) expect(content.chain.prevHash).toBe(previous)
      lastHash.set(content.chain.shard, hash)
    }
  })

  it('exports every shard the trail has, not only the count given (a lower count is a floor)', async () => {
    const partner = 'p-export-eight'
    // 8 containers (auditTrail() instances) on 8 shards: one lease each, so every shard gets an entry.
    await Promise.all(
      Array.from({ length: 8 }, (_, container) =>
        auditedHandler(
          client,
          {},
          async (_e, context) => {
            context.audit.record({ action: 'capture', entity: 'Payment', key: { id: container } })
            return {}
          },
          auditTrail({ table: table.name, shards: 8, logger: () => {} }),
        )(
          httpApiEvent({ jwtClaims: { sub: 'u', partner } }),
          lambdaContext({ awsRequestId: `${partner}-c${container}` }),
        ),
      ),
    )
    const shards: number[] = []
    for await (const line of exportJsonLines({
      db: createDb({ client }),
      table: table.name,
      partnerId: partner,
      shards: 2,
    }))
      shards.push((JSON.parse(line) as { chain: { shard: number } }).chain.shard)
    expect(shards).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
  })

  it('rejects bad reader options with a typed error', async () => {
    const db = createDb({ client })
    const attempts: Array<() => Promise<unknown>> = [
      () => entityHistory({ db, partnerId: '', entity: 'E', key: { id: 1 } }),
      () => entityHistory({ db, partnerId: 'p', entity: '', key: { id: 1 } }),
      () => entityHistory({ db, partnerId: 'p', entity: 'E', key: {} }),
      () => entityHistory({ db, partnerId: 'p', entity: 'E', key: { id: 1 }, limit: 0 }),
      () => entriesBetween({ db, partnerId: 'p', from: 'not a date', to: new Date() }),
      () => entriesBetween({ db, partnerId: 'p', from: new Date(2), to: new Date(1) }),
      async () => {
        for await (const _ of exportJsonLines({ db, partnerId: 'p', shards: -1 })) void _
      },
    ]
    for (const attempt of attempts) {
      const error = await attempt().catch((e: unknown) => e)
      expect(isDynamormError(error, 'AuditOptionsInvalidError')).toBe(true)
    }
  })
})

describe('bad input', () => {
  it('rejects invalid options when the middleware is created', () => {
    for (const options of [
      { table: '' },
      { shards: 0 },
      { shards: 2.5 },
      { leaseMs: -1 },
      { redact: ['ok', ''] },
      { sensitiveAttributes: 'cvv' as unknown as string[] },
      { region: 'xx-nowhere-1', priceTable: {} },
    ]) {
      expect(() => auditTrail(options)).toThrow(
        expect.objectContaining({ name: 'AuditOptionsInvalidError', status: 500 }),
      )
    }
  })

  it('rejects records that cannot be entries, without echoing their values', async () => {
    const bad: unknown[] = [
      null,
      'capture',
      { action: '', entity: 'E', key: { id: 1 } },
      { action: 'a'.repeat(257), entity: 'E', key: { id: 1 } },
      { action: 'a', entity: 7, key: { id: 1 } },
      // A lone surrogate cannot be URI-encoded into the byEntity index key (nor stored as UTF-8).
      { action: 'a', entity: 'Payment\ud800', key: { id: 1 } },
      { action: 'a', entity: 'E', key: {} },
      { action: 'a', entity: 'E', key: 'id-1' },
      { action: 'a', entity: 'E', key: { id: 1 }, before: 'card 4111111111111111' },
      { action: 'a', entity: 'E', key: { id: 1 }, after: [1, 2] },
      { action: 'a', entity: 'E', key: { id: 1 }, sensitive: [''] },
      { action: 'a', entity: 'E', key: { id: 1 }, model: { encrypted: 'pan' } },
    ]
    const errors: unknown[] = []
    const handler = auditedHandler(client, { table: table.name, logger: () => {} }, async (_e, context) => {
      errors.push(...refusalsOf(context.audit, bad as AuditRecordInput[]))
      return { recorded: context.audit.size }
    })
    await expect(
      handler(httpApiEvent({ jwtClaims: { sub: 'u', partner: 'p-bad' } }), lambdaContext()),
    ).resolves.toEqual({ recorded: 0 })
    expect(errors).toHaveLength(bad.length)
    for (const error of errors) {
      expect(isDynamormError(error, 'AuditRecordInvalidError')).toBe(true)
      expect((error as Error).message).not.toContain('4111')
    }
  })

  it("refuses a before, after or key whose getter or proxy throws with AuditRecordInvalidError, not the getter's error", async () => {
    const throwing = (): Record<string, unknown> => ({
      status: 'captured',
      get pan(): string {
        throw new TypeError('no card 4111111111111111 here')
      },
    })
    const hostile = new Proxy(
      { status: 'captured' },
      {
        ownKeys() {
          throw new RangeError('card 4111111111111111')
        },
      },
    )
    const bad: AuditRecordInput[] = [
      { action: 'capture', entity: 'Payment', key: { id: 1 }, after: throwing() },
      { action: 'capture', entity: 'Payment', key: { id: 1 }, before: throwing(), after: {} },
      { action: 'capture', entity: 'Payment', key: throwing() },
      { action: 'capture', entity: 'Payment', key: { id: 1 }, after: hostile },
    ]
    const errors: unknown[] = []
    const handler = auditedHandler(client, { table: table.name, logger: () => {} }, async (_e, context) => {
      errors.push(...refusalsOf(context.audit, bad))
      // Uncaught, it fails the request with that typed error, and the failure is audited under its name.
      context.audit.record(bad[0]!)
      return {}
    })
    const error = await handler(
      httpApiEvent({ jwtClaims: { sub: 'u', partner: 'p-getter' } }),
      lambdaContext({ awsRequestId: 'getter-1' }),
    ).catch((e: unknown) => e)
    expect(errors).toHaveLength(bad.length)
    for (const failure of [...errors, error]) {
      expect(failure).toMatchObject({ name: 'AuditRecordInvalidError', status: 500 })
      expect((failure as Error).message).not.toContain('4111')
    }
    const [entry] = await entityHistory({
      db: createDb({ client }),
      table: table.name,
      partnerId: 'p-getter',
      entity: 'request',
      key: { requestId: 'getter-1' },
    })
    expect(entry?.outcome).toEqual({ failure: 'AuditRecordInvalidError' })
  })

  it('refuses a Map whose keys are objects or collide as text, instead of losing the change under one of them', async () => {
    const eur = { currency: 'EUR' }
    const usd = { currency: 'USD' }
    const limits = (eurLimit: number) =>
      new Map<unknown, number>([
        [eur, eurLimit],
        [usd, 200],
      ])
    const bad: AuditRecordInput[] = [
      {
        action: 'limits',
        entity: 'Merchant',
        key: { id: 'm-1' },
        before: { limits: limits(100) },
        after: { limits: limits(150) },
      },
      {
        action: 'limits',
        entity: 'Merchant',
        key: { id: 'm-1' },
        after: {
          limits: new Map<unknown, number>([
            [1, 10],
            ['1', 20],
          ]),
        },
      },
      { action: 'limits', entity: 'Merchant', key: { id: new Map([[eur, 1]]) } },
    ]
    const errors: unknown[] = []
    const handler = auditedHandler(client, { table: table.name, logger: () => {} }, async (_e, context) => {
      errors.push(...refusalsOf(context.audit, bad))
      // Keys that are distinct as text are fine: the change is recorded under the map.
      context.audit.record({
        action: 'limits',
        entity: 'Merchant',
        key: { id: 'm-2' },
        before: {
          limits: new Map<unknown, number>([
            ['EUR', 100],
            [1, 5],
          ]),
        },
        after: {
          limits: new Map<unknown, number>([
            ['EUR', 150],
            [1, 5],
          ]),
        },
      })
      return { recorded: context.audit.size }
    })
    await expect(
      handler(httpApiEvent({ jwtClaims: { sub: 'u', partner: 'p-mapkeys' } }), lambdaContext()),
    ).resolves.toEqual({ recorded: 1 })
    expect(errors).toHaveLength(bad.length)
    for (const error of errors) expect(error).toMatchObject({ name: 'AuditRecordInvalidError', status: 500 })
    const [entry] = await entityHistory({
      db: createDb({ client }),
      table: table.name,
      partnerId: 'p-mapkeys',
      entity: 'Merchant',
      key: { id: 'm-2' },
    })
    expect(entry?.changes).toEqual({
      limits: { before: { '1': 5, EUR: 100 }, after: { '1': 5, EUR: 150 } },
    })
  })

  it('records changes of cyclic and very deep before/after values: the entry lands and verifies', async () => {
    // Item graphs built in code can hold a parent reference, and a parsed body can nest deeper than
    // DynamoDB allows; neither may overflow the stack in record().
    const before: Record<string, unknown> = { status: 'authorized', twice: {} }
    const after: Record<string, unknown> = { status: 'captured', twice: {} }
    for (const side of [before, after]) {
      side.self = side
      Object.assign(side.twice as object, { left: side, right: side })
    }
    let deepBefore: Record<string, unknown> = { leaf: 1 }
    let deepAfter: Record<string, unknown> = { leaf: 2 }
    for (let i = 0; i < 50_000; i++) {
      deepBefore = { next: deepBefore }
      deepAfter = { next: deepAfter }
    }
    const partnerId = 'p-cyclic'
    const db = createDb({ client })
    const handler = auditedHandler(
      client,
      { table: table.name, shards: 1, logger: () => {} },
      async (_e, context) => {
        context.audit.record({ action: 'capture', entity: 'Payment', key: { id: 'c' }, before, after })
        context.audit.record({
          action: 'update',
          entity: 'Payment',
          key: { id: 'd' },
          before: deepBefore,
          after: deepAfter,
        })
        return { recorded: context.audit.size }
      },
    )
    await expect(
      handler(httpApiEvent({ jwtClaims: { sub: 'u', partner: partnerId } }), lambdaContext()),
    ).resolves.toEqual({ recorded: 2 })
    const [capture] = await entityHistory({
      db,
      table: table.name,
      partnerId,
      entity: 'Payment',
      key: { id: 'c' },
    })
    expect(capture?.changes.status).toEqual({ before: 'authorized', after: 'captured' })
    const verification = await verifyAuditChain({ db, table: table.name, partnerId, shards: 1 })
    expect(verification).toMatchObject({ valid: true, entries: 2 })
  })

  it("refuses a Db that measures no capacity (dynamoClient({ consumedCapacity: 'NONE' })), before the handler runs", async () => {
    let ran = false
    const handler = middy()
      .use(dynamoClient({ client, warmup: false, consumedCapacity: 'NONE' }))
      .use(auditTrail({ table: table.name, logger: () => {} }))
      .handler(async () => {
        ran = true
        return {}
      }) as unknown as LambdaEntry
    const error = await handler(
      httpApiEvent({ jwtClaims: { sub: 'u', partner: 'p-none' } }),
      lambdaContext(),
    ).catch((e: unknown) => e)
    expect(isDynamormError(error, 'AuditOptionsInvalidError')).toBe(true)
    expect((error as Error).message).toContain("consumedCapacity: 'NONE'")
    expect(ran).toBe(false)
  })

  it('fails clearly when dynamoClient() is missing, and logs when there is no Db to write a failure to', async () => {
    const { lines, logger } = captureLogger()
    const handler = middy()
      .use(auditTrail({ logger }))
      .handler(async (_e, context) => {
        context.audit.record({ action: 'a', entity: 'E', key: { id: 1 } })
        return {}
      }) as unknown as LambdaEntry
    const error = await handler({}, lambdaContext()).catch((e: unknown) => e)
    expect(isDynamormError(error, 'AuditOptionsInvalidError')).toBe(true)
    expect(lines[0]).toMatchObject({
      partner: 'unresolved',
      actor: 'anonymous',
      audit_write_error: 'NoDynamoClient',
    })
  })

  it('uses a custom actor resolver and the configured service and namespace', async () => {
    const { lines, logger } = captureLogger()
    const handler = auditedHandler(
      client,
      {
        table: table.name,
        logger,
        actor: () => 'svc-batch',
        service: 'payments-api',
        metricsNamespace: 'Payments',
      },
      async () => ({}),
    )
    await handler(httpApiEvent({ jwtClaims: { sub: 'u', partner: 'p-custom' } }), lambdaContext())
    expect(lines[0]).toMatchObject({ actor: 'svc-batch', service: 'payments-api' })
    expect(JSON.stringify(lines[1])).toContain('"Namespace":"Payments"')
  })
})

describe('request facts', () => {
  it('reads the actor from JWT, Lambda authorizer, REST authorizer and Cognito claims', () => {
    expect(actorOf(httpApiEvent({ jwtClaims: { sub: 'jwt-user' } }))).toBe('jwt-user')
    expect(actorOf(httpApiEvent({ lambdaAuthorizer: { principalId: 'lambda-user' } }))).toBe('lambda-user')
    expect(actorOf(httpApiEvent({ lambdaAuthorizer: { sub: 'lambda-sub' } }))).toBe('lambda-sub')
    expect(actorOf({ requestContext: { authorizer: { principalId: 'rest-user' } } })).toBe('rest-user')
    expect(actorOf({ requestContext: { authorizer: { claims: { sub: 'cognito-user' } } } })).toBe(
      'cognito-user',
    )
    expect(actorOf({ requestContext: { authorizer: { principalId: '' } } })).toBe('anonymous')
    expect(actorOf(null)).toBe('anonymous')
    expect(actorOf('event')).toBe('anonymous')
  })

  it('reads the source IP and the route of HTTP API and REST events', () => {
    expect(sourceIpOf(httpApiEvent({ sourceIp: '198.51.100.1' }))).toBe('198.51.100.1')
    const rest = restApiEvent({ method: 'DELETE', path: '/payments/1' })
    expect(sourceIpOf(rest)).toMatch(/\d+\.\d+\.\d+\.\d+/)
    expect(sourceIpOf({})).toBeNull()
    expect(routeOf(httpApiEvent({ method: 'PUT', path: '/p' }))).toBe('PUT /p')
    expect(routeOf(rest)).toMatch(/^DELETE /)
    expect(
      routeOf({ routeKey: '$default', requestContext: { http: { method: 'GET' } }, rawPath: '/x' }),
    ).toBe('GET /x')
    expect(routeOf(undefined)).toBe('invoke')
  })
})

/** Records each input, collecting what record() throws for each (a refused input throws, the rest record). */
function refusalsOf(
  audit: { record(input: AuditRecordInput): unknown },
  inputs: AuditRecordInput[],
): unknown[] {
  const refusals: unknown[] = []
  for (const input of inputs) {
    try {
      audit.record(input)
    } catch (error) {
      refusals.push(error)
    }
  }
  return refusals
}
