import { inspect } from 'node:util'
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { dynamoClient } from '@dynamorm/client'
import { isDynamormError, marshallItem, unmarshallItem } from '@dynamorm/core'
import {
  httpApiEvent,
  lambdaContext,
  localDynamoClient,
  restApiEvent,
  type StsServer,
  startStsServer,
} from '@dynamorm/testing'
import middy from '@middy/core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type PartnerContextOptions, partnerContext } from '../src/index.ts'
import {
  createTable,
  invoke,
  platformCredentials,
  rejectionOf,
  runId,
  signingRelay,
  testPartner,
} from './fixtures.ts'

const endpoint = inject('dynamoEndpoint')
const admin = localDynamoClient(endpoint)
const partnerA = testPartner('partner-a', 1)
const partnerB = testPartner('partner-b', 2)
const prefixA = `partner-a-${runId}-`
const prefixB = `partner-b-${runId}-`
let sts: StsServer
let relay: Awaited<ReturnType<typeof signingRelay>>
const tables: Array<{ delete(): Promise<void> }> = []

beforeAll(async () => {
  sts = await startStsServer({ roles: [partnerA, partnerB] })
  relay = await signingRelay(endpoint)
  tables.push(await createTable(admin, `${prefixA}payments`), await createTable(admin, `${prefixB}payments`))
})
afterAll(async () => {
  await Promise.all(tables.map((table) => table.delete()))
  await sts.close()
  await relay.close()
})

function options(overrides: Partial<PartnerContextOptions> = {}): PartnerContextOptions {
  return {
    partners: {
      [partnerA.id]: {
        roleArn: partnerA.roleArn,
        externalId: partnerA.externalId,
        region: 'eu-west-1',
        tablePrefix: prefixA,
        kmsKeyId: 'alias/partner-a',
      },
      [partnerB.id]: {
        roleArn: partnerB.roleArn,
        externalId: partnerB.externalId,
        region: 'us-east-2',
        tablePrefix: prefixB,
      },
    },
    stsClientConfig: { endpoint: sts.endpoint, region: 'us-east-1', credentials: platformCredentials },
    partnerClient: { clientConfig: { endpoint: relay.endpoint } },
    ...overrides,
  }
}

/** A handler whose body sees the partner; dynamoClient first, as in production. */
function handlerWith<Result>(partnerOptions: PartnerContextOptions, body: (context: any) => Promise<Result>) {
  return middy()
    .use(dynamoClient({ client: admin, warmup: false }))
    .use(partnerContext(partnerOptions))
    .handler(async (_event, context) => body(context))
}

const claims = (partnerId: unknown, extra: Record<string, string> = {}) =>
  httpApiEvent({ jwtClaims: { partner_id: partnerId as string, sub: 'user-1' }, headers: extra })

describe('partner isolation', () => {
  it("puts partner A's writes in A's tables, signed with A's credentials, and B never reads them", async () => {
    const handler = handlerWith(options(), async (context) => {
      const { partner } = context
      partner.db.unitOfWork.add({
        Put: {
          TableName: partner.tableName('payments'),
          Item: marshallItem({ pk: 'PAYMENT#p1', sk: 'V1', amount: 4200, currency: 'EUR' }),
        },
      })
      return {
        id: partner.id,
        accountId: partner.accountId,
        region: partner.region,
        table: partner.tableName('payments'),
      }
    })
    expect(await invoke(handler, claims(partnerA.id))).toEqual({
      id: 'partner-a',
      accountId: partnerA.accountId,
      region: 'eu-west-1',
      table: `${prefixA}payments`,
    })

    const readOwn = (event: unknown) =>
      invoke(
        handlerWith(options(), async (context) => {
          const { Item } = await context.partner.db.send(
            new GetItemCommand({
              TableName: context.partner.tableName('payments'),
              Key: marshallItem({ pk: 'PAYMENT#p1', sk: 'V1' }),
              ConsistentRead: true,
            }),
          )
          return Item && unmarshallItem(Item)
        }),
        event,
      )
    expect(await readOwn(claims(partnerA.id))).toMatchObject({ amount: 4200 })
    expect(await readOwn(claims(partnerB.id))).toBeUndefined()

    // Every call to A's table went out signed with a key STS issued for A's role, in A's region.
    const keysOfA = new Set(
      sts.sessions.filter((s) => s.roleArn === partnerA.roleArn).map((s) => s.accessKeyId),
    )
    const keysOfB = new Set(
      sts.sessions.filter((s) => s.roleArn === partnerB.roleArn).map((s) => s.accessKeyId),
    )
    const callsToA = relay.calls.filter((call) => call.table?.startsWith(prefixA))
    const callsToB = relay.calls.filter((call) => call.table?.startsWith(prefixB))
    expect(callsToA.length).toBeGreaterThanOrEqual(2)
    expect(callsToB.length).toBeGreaterThanOrEqual(1)
    for (const call of callsToA) {
      expect(keysOfA.has(call.accessKeyId)).toBe(true)
      expect(call.region).toBe('eu-west-1')
    }
    for (const call of callsToB) {
      expect(keysOfB.has(call.accessKeyId)).toBe(true)
      expect(call.region).toBe('us-east-2')
    }
  })

  it("gives B no way to name A's tables through its Db", async () => {
    const handler = handlerWith(options(), async (context) => context.partner.tableName(`${prefixA}payments`))
    expect(await invoke(handler, claims(partnerB.id))).toBe(`${prefixB}${prefixA}payments`)
  })

  it("shares the request's meter and unit of work with context.db", async () => {
    const handler = handlerWith(options(), async (context) => {
      await context.partner.db.send(
        new GetItemCommand({
          TableName: context.partner.tableName('payments'),
          Key: marshallItem({ pk: 'x', sk: 'y' }),
        }),
      )
      context.partner.db.unitOfWork.add({
        Put: {
          TableName: context.partner.tableName('payments'),
          Item: marshallItem({ pk: 'PAYMENT#shared', sk: 'V1' }),
        },
      })
      return {
        sameMeter: context.partner.db.meter === context.db.meter,
        calls: context.db.meter.totals().calls,
        queued: context.db.unitOfWork.size,
      }
    })
    expect(await invoke(handler, claims(partnerA.id))).toEqual({ sameMeter: true, calls: 1, queued: 1 })
    const { Item } = await admin.send(
      new GetItemCommand({
        TableName: `${prefixA}payments`,
        Key: marshallItem({ pk: 'PAYMENT#shared', sk: 'V1' }),
      }),
    )
    expect(Item).toBeDefined()
  })

  it('reuses one DynamoDB client per partner across requests', async () => {
    const clients: unknown[] = []
    const handler = handlerWith(options(), async (context) => {
      clients.push(context.partner.db.client.config)
    })
    await invoke(handler, claims(partnerA.id))
    await invoke(handler, claims(partnerA.id))
    await invoke(handler, claims(partnerB.id))
    expect(clients[0]).toBe(clients[1])
    expect(clients[0]).not.toBe(clients[2])
  })
})

describe('partner resolution', () => {
  const resolved = (partnerOptions: PartnerContextOptions, event: unknown) =>
    invoke(
      handlerWith(partnerOptions, async (context) => context.partner.id),
      event,
    )

  it('reads the HTTP API JWT claim by default and ignores a forged partner header', async () => {
    expect(await resolved(options(), claims(partnerA.id, { 'x-partner-id': partnerB.id }))).toBe(partnerA.id)
  })

  it('never falls back to the header when the claim is missing', async () => {
    const event = httpApiEvent({ headers: { 'x-partner-id': partnerB.id } })
    const error = await rejectionOf(resolved(options(), event))
    expect(isDynamormError(error, 'PartnerMissingError')).toBe(true)
    expect(error.status).toBe(401)
  })

  it('reads Lambda authorizer context, REST Cognito claims and REST authorizer context', async () => {
    expect(await resolved(options(), httpApiEvent({ lambdaAuthorizer: { partner_id: partnerB.id } }))).toBe(
      partnerB.id,
    )
    expect(await resolved(options(), restApiEvent({ claims: { partner_id: partnerA.id } }))).toBe(partnerA.id)
    expect(await resolved(options(), restApiEvent({ lambdaAuthorizer: { partner_id: partnerB.id } }))).toBe(
      partnerB.id,
    )
  })

  it('reads another claim when configured', async () => {
    const event = httpApiEvent({ jwtClaims: { 'custom:tenant': partnerB.id, partner_id: partnerA.id } })
    expect(await resolved(options({ resolve: { source: 'claims', claim: 'custom:tenant' } }), event)).toBe(
      partnerB.id,
    )
  })

  it('reads a header only when configured, in any case', async () => {
    const header = { source: 'header', header: 'X-Partner-Id' } as const
    expect(
      await resolved(
        options({ resolve: header }),
        httpApiEvent({ headers: { 'x-partner-id': partnerB.id } }),
      ),
    ).toBe(partnerB.id)
    expect(
      await resolved(
        options({ resolve: header }),
        restApiEvent({ headers: { 'X-PARTNER-ID': partnerA.id } }),
      ),
    ).toBe(partnerA.id)
    const error = await rejectionOf(resolved(options({ resolve: header }), { headers: undefined }))
    expect(error.status).toBe(401)
  })

  it('uses a resolver function', async () => {
    const resolve = (event: { pathParameters?: Record<string, string> }) => event.pathParameters?.partner
    const event = httpApiEvent({ pathParameters: { partner: partnerA.id } })
    expect(await resolved(options({ resolve }), event)).toBe(partnerA.id)
    expect((await rejectionOf(resolved(options({ resolve }), httpApiEvent()))).status).toBe(401)
  })

  it.each([
    ['an empty event', {}],
    ['no authorizer', httpApiEvent()],
    ['an empty claim', claims('')],
    ['a null authorizer', { requestContext: { authorizer: null } }],
  ])('answers 401 for %s', async (_name, event) => {
    const error = await rejectionOf(resolved(options(), event))
    expect(isDynamormError(error, 'PartnerMissingError')).toBe(true)
    expect(error.status).toBe(401)
  })

  it.each([
    ['one character', 'a'],
    ['a leading dash', '-partner'],
    ['a space', 'partner a'],
    ['a path', '../partner-a'],
    ['64 characters', `p${'a'.repeat(63)}`],
    ['unicode', 'pärtner'],
    ['a number', 42],
    ['an array', ['partner-a']],
    ['an injection attempt', "partner-a' OR 1=1"],
  ])('answers 400 for an id with %s, without echoing it', async (_name, value) => {
    const error = await rejectionOf(resolved(options(), claims(value)))
    expect(isDynamormError(error, 'MalformedPartnerIdError')).toBe(true)
    expect(error.status).toBe(400)
    expect(error.message).toBe('The partner id is not well-formed')
  })

  it('honours a custom id pattern', async () => {
    const error = await rejectionOf(resolved(options({ idPattern: /^partner-[a-z]$/ }), claims('partner-ab')))
    expect(error.status).toBe(400)
    expect(await resolved(options({ idPattern: /^partner-[a-z]$/ }), claims(partnerA.id))).toBe(partnerA.id)
  })

  it.each([
    ['an unregistered partner', 'partner-z'],
    ['a name Object.prototype has', 'constructor'],
  ])('answers 403 for %s, before any STS call', async (_name, partnerId) => {
    const before = sts.calls()
    const error = await rejectionOf(resolved(options(), claims(partnerId)))
    expect(isDynamormError(error, 'UnknownPartnerError')).toBe(true)
    expect(error.status).toBe(403)
    expect(error.details).toEqual({ partnerId })
    expect(sts.calls()).toBe(before)
  })

  it('sends nothing queued when the partner is rejected', async () => {
    const handler = middy()
      .use(dynamoClient({ client: admin, warmup: false }))
      .use(partnerContext(options()))
      .handler(async () => 'never')
    const error = await rejectionOf(invoke(handler, claims('partner-z')))
    expect(error.status).toBe(403)
  })
})

describe('secrets', () => {
  it('keeps credentials out of JSON, util.inspect and errors', async () => {
    let secrets: string[] = []
    let json = ''
    let inspected = ''
    let contextInspected = ''
    const handler = handlerWith(options(), async (context) => {
      const credentials = await context.partner.credentials()
      secrets = [credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken]
      json = JSON.stringify({ partner: context.partner })
      inspected = inspect(context.partner, { depth: 10, showHidden: true })
      contextInspected = inspect(context, { depth: 6 })
      throw new Error('payment failed')
    })
    const error = await rejectionOf(invoke(handler, claims(partnerA.id)))
    expect(error.message).toBe('payment failed')
    expect(secrets.every((secret) => secret.length > 10)).toBe(true)
    expect(JSON.parse(json)).toEqual({
      partner: {
        id: partnerA.id,
        accountId: partnerA.accountId,
        region: 'eu-west-1',
        kmsKeyId: 'alias/partner-a',
      },
    })
    expect(inspected).toContain('partner-a')
    for (const secret of secrets) {
      expect(json).not.toContain(secret)
      expect(inspected).not.toContain(secret)
      expect(contextInspected).not.toContain(secret)
    }
  })
})

describe('configuration', () => {
  it('needs dynamoClient() before it', async () => {
    const handler = middy()
      .use(partnerContext(options()))
      .handler(async () => 'never')
    const error = await rejectionOf(invoke(handler, claims(partnerA.id)))
    expect(isDynamormError(error, 'PartnerConfigError')).toBe(true)
    expect(error.status).toBe(500)
  })

  it.each([
    ['a role ARN that is not one', { roleArn: 'arn:aws:iam::123:user/x', region: 'eu-west-1' }],
    ['a region that is not one', { roleArn: partnerA.roleArn, region: 'mars' }],
    [
      'a session shorter than STS allows',
      { roleArn: partnerA.roleArn, region: 'eu-west-1', sessionDurationSeconds: 60 },
    ],
    [
      'a fractional session',
      { roleArn: partnerA.roleArn, region: 'eu-west-1', sessionDurationSeconds: 1000.5 },
    ],
    ['a numeric ExternalId', { roleArn: partnerA.roleArn, region: 'eu-west-1', externalId: 7 }],
    ['a numeric prefix', { roleArn: partnerA.roleArn, region: 'eu-west-1', tablePrefix: 7 }],
    ['a string tableName', { roleArn: partnerA.roleArn, region: 'eu-west-1', tableName: 'x' }],
    ['no object', null],
  ])('rejects a static entry with %s when created', (_name, entry) => {
    let error: unknown
    try {
      partnerContext(options({ partners: { 'partner-a': entry as never } }))
    } catch (caught) {
      error = caught
    }
    expect(isDynamormError(error, 'PartnerConfigError')).toBe(true)
    expect((error as Error).message).toContain('partner-a')
  })

  it('rejects missing partners, a refresh-ahead window inside the margin, and an unknown source', () => {
    expect(() => partnerContext({} as PartnerContextOptions)).toThrow(/partners/)
    expect(() => partnerContext(options({ refreshAheadMs: 1000, refreshMarginMs: 2000 }))).toThrow(
      /refreshAheadMs/,
    )
    expect(() => partnerContext(options({ resolve: { source: 'cookie' } as never }))).toThrow(/resolve/)
  })

  it('takes a Map of entries and a table-name function', async () => {
    const partners = new Map([
      [
        partnerA.id,
        {
          roleArn: partnerA.roleArn,
          externalId: partnerA.externalId,
          region: 'eu-west-1',
          tableName: (n: string) => `${prefixA}${n}`,
        },
      ],
    ])
    const handler = handlerWith(options({ partners }), async (context) =>
      context.partner.tableName('payments'),
    )
    expect(await invoke(handler, claims(partnerA.id))).toBe(`${prefixA}payments`)
  })

  it("bounds the partner's calls by the Lambda deadline", async () => {
    const handler = handlerWith(options(), async (context) => {
      // Spend the request's budget: only dynamoClient's 500 ms margin is left.
      while (context.getRemainingTimeInMillis() > 500) await new Promise((resolve) => setTimeout(resolve, 10))
      return context.partner.db.send(
        new PutItemCommand({
          TableName: context.partner.tableName('payments'),
          Item: marshallItem({ pk: 'late', sk: 'V1' }),
        }),
      )
    })
    const error = await rejectionOf(invoke(handler, claims(partnerA.id), lambdaContext({ timeoutMs: 1500 })))
    expect(isDynamormError(error, 'DeadlineExceededError')).toBe(true)
  })
})
