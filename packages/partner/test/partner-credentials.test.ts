import { GetItemCommand } from '@aws-sdk/client-dynamodb'
import { dynamoClient } from '@dynamorm/client'
import { isDynamormError, marshallItem } from '@dynamorm/core'
import {
  httpApiEvent,
  lambdaContext,
  localDynamoClient,
  type StsServer,
  startStsServer,
} from '@dynamorm/testing'
import middy from '@middy/core'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import {
  type PartnerContextOptions,
  type PartnerEntry,
  partnerContext,
  roleSessionName,
} from '../src/index.ts'
import {
  invoke,
  manualClock,
  platformCredentials,
  rejectionOf,
  signingRelay,
  testPartner,
} from './fixtures.ts'

const endpoint = inject('dynamoEndpoint')
const admin = localDynamoClient(endpoint)
const partners = Array.from({ length: 10 }, (_, i) => testPartner(`partner-${i}`, 10 + i))
const first = partners[0]!
const clock = manualClock()
let sts: StsServer
let relay: Awaited<ReturnType<typeof signingRelay>>

beforeAll(async () => {
  sts = await startStsServer({ roles: partners, now: clock.date })
  relay = await signingRelay(endpoint)
})
afterAll(async () => {
  await sts.close()
  await relay.close()
})
afterEach(() => sts.faults.reset())

const entryOf = (partner = first, extra: Partial<PartnerEntry> = {}): PartnerEntry => ({
  roleArn: partner.roleArn,
  externalId: partner.externalId,
  region: 'eu-central-1',
  tablePrefix: `${partner.id}-`,
  ...extra,
})

function options(overrides: Partial<PartnerContextOptions> = {}): PartnerContextOptions {
  return {
    partners: Object.fromEntries(partners.map((partner) => [partner.id, entryOf(partner)])),
    stsClientConfig: { endpoint: sts.endpoint, region: 'us-east-1', credentials: platformCredentials },
    partnerClient: { clientConfig: { endpoint: relay.endpoint } },
    stsBaseDelayMs: 5,
    now: clock.now,
    ...overrides,
  }
}

/** A handler answering with the access key its partner's credentials currently have. */
function keyHandler(partnerOptions: PartnerContextOptions) {
  return middy()
    .use(dynamoClient({ client: admin, warmup: false }))
    .use(partnerContext(partnerOptions))
    .handler(async (_event, context) => (await context.partner.credentials()).accessKeyId)
}

const eventFor = (partnerId: string) => httpApiEvent({ jwtClaims: { partner_id: partnerId } })

describe('AssumeRole', () => {
  it('presents the ExternalId, the session duration and a session name that names partner and request', async () => {
    const handler = keyHandler(
      options({ partners: { [first.id]: entryOf(first, { sessionDurationSeconds: 1800 }) } }),
    )
    const accessKeyId = await invoke(
      handler,
      eventFor(first.id),
      lambdaContext({ awsRequestId: 'c0ffee12-aaaa-bbbb' }),
    )
    const session = sts.sessions.find((s) => s.accessKeyId === accessKeyId)
    expect(session).toMatchObject({
      roleArn: first.roleArn,
      externalId: first.externalId,
      durationSeconds: 1800,
      roleSessionName: 'dynamorm-partner-0-c0ffee12',
    })
  })

  it('assumes the role of a partner whose id (allowed by a custom pattern) has characters STS refuses in a session name', async () => {
    const partnerId = 'org:acme/eu'
    const handler = keyHandler(
      options({ partners: { [partnerId]: entryOf(first) }, idPattern: /^[a-z]+:[a-z]+\/[a-z]+$/ }),
    )
    const accessKeyId = await invoke(
      handler,
      eventFor(partnerId),
      lambdaContext({ awsRequestId: 'c0ffee12-aaaa-bbbb' }),
    )
    const session = sts.sessions.find((s) => s.accessKeyId === accessKeyId)
    expect(session?.roleSessionName).toBe('dynamorm-orgacmeeu-c0ffee12')
  })

  it('keeps session names within STS rules for long ids and odd request ids', () => {
    const longId = `p${'x'.repeat(62)}`
    const name = roleSessionName(longId, '0123456789abcdef')
    expect(name).toHaveLength(64)
    expect(name).toMatch(/^dynamorm-px+-01234567$/)
    expect(roleSessionName('partner-a', 'a/b c:d*e')).toBe('dynamorm-partner-a-abcde')
    expect(roleSessionName('partner-a', undefined)).toBe('dynamorm-partner-a-refresh')
    expect(roleSessionName('partner-a', '///')).toBe('dynamorm-partner-a-refresh')
  })
})

describe('credential cache', () => {
  it('assumes the role once for many requests while the credentials are fresh', async () => {
    const handler = keyHandler(options())
    const before = sts.calls(first.roleArn)
    const keys = new Set<string>()
    for (let i = 0; i < 5; i++) keys.add(await invoke(handler, eventFor(first.id)))
    expect(keys.size).toBe(1)
    expect(sts.calls(first.roleArn) - before).toBe(1)
  })

  it('refreshes expiring credentials before use, and signs DynamoDB calls with the new ones', async () => {
    const handler = middy()
      .use(dynamoClient({ client: admin, warmup: false }))
      .use(partnerContext(options()))
      .handler(async (_event, context) => {
        await context.partner.db
          .send(
            new GetItemCommand({ TableName: 'partner-0-missing', Key: marshallItem({ pk: 'a', sk: 'b' }) }),
          )
          .catch(() => undefined)
        return (await context.partner.credentials()).accessKeyId
      })
    const before = sts.calls(first.roleArn)
    const oldKey = await invoke(handler, eventFor(first.id))
    // Default session 3600 s, margin 5 min: at 55 min the cached credentials are no longer handed out.
    clock.advance(3300_000)
    const newKey = await invoke(handler, eventFor(first.id))
    expect(newKey).not.toBe(oldKey)
    expect(sts.calls(first.roleArn) - before).toBe(2)
    const signedWith = relay.calls
      .filter((call) => call.table === 'partner-0-missing')
      .map((call) => call.accessKeyId)
    expect(signedWith.slice(-2)).toEqual([oldKey, newKey])
  })

  it('refreshes ahead in the background: the request does not wait, the next one gets new credentials', async () => {
    const handler = keyHandler(options())
    const before = sts.calls(first.roleArn)
    const oldKey = await invoke(handler, eventFor(first.id))
    // Inside the 10-minute refresh-ahead window, outside the 5-minute margin.
    clock.advance(3600_000 - 420_000)
    sts.faults.set({ latencyMs: 200 })
    expect(await invoke(handler, eventFor(first.id))).toBe(oldKey)
    sts.faults.reset()
    await vi.waitFor(async () => expect(await invoke(handler, eventFor(first.id))).not.toBe(oldKey))
    expect(sts.calls(first.roleArn) - before).toBe(2)
  })

  it('never hands out credentials past their Expiration, even when STS is down', async () => {
    const handler = keyHandler(options({ stsAttempts: 2 }))
    await invoke(handler, eventFor(first.id))
    clock.advance(3601_000)
    sts.faults.set({ serverError: 100 })
    const before = sts.calls(first.roleArn)
    const error = await rejectionOf(invoke(handler, eventFor(first.id)))
    expect(isDynamormError(error, 'PartnerCredentialsError')).toBe(true)
    expect(error.status).toBe(503)
    expect(sts.calls(first.roleArn) - before).toBe(2)
  })

  it('does not hand out credentials inside the margin when the refresh fails', async () => {
    const handler = keyHandler(options({ stsAttempts: 1 }))
    await invoke(handler, eventFor(first.id))
    clock.advance(3600_000 - 60_000)
    sts.faults.set({ serverError: 1 })
    const error = await rejectionOf(invoke(handler, eventFor(first.id)))
    expect(error.status).toBe(503)
    // STS back: the next request gets fresh credentials.
    expect(await invoke(handler, eventFor(first.id))).toMatch(/^ASIA/)
  })

  it('refuses credentials that arrive already expired', async () => {
    const skewed = await startStsServer({ roles: [first], now: () => new Date(clock.now() - 7200_000) })
    try {
      const handler = keyHandler(
        options({
          stsClientConfig: {
            endpoint: skewed.endpoint,
            region: 'us-east-1',
            credentials: platformCredentials,
          },
        }),
      )
      const error = await rejectionOf(invoke(handler, eventFor(first.id)))
      expect(isDynamormError(error, 'PartnerCredentialsError')).toBe(true)
      expect(error.details.stsCode).toBe('ExpiredCredentials')
    } finally {
      await skewed.close()
    }
  })

  it('refreshes short-lived credentials issued by STS (real clock)', async () => {
    const shortLived = await startStsServer({ roles: [first], durationOverrideSeconds: 3 })
    try {
      const handler = keyHandler(
        options({
          stsClientConfig: {
            endpoint: shortLived.endpoint,
            region: 'us-east-1',
            credentials: platformCredentials,
          },
          now: Date.now,
          refreshMarginMs: 1000,
          refreshAheadMs: 1000,
        }),
      )
      const oldKey = await invoke(handler, eventFor(first.id))
      expect(await invoke(handler, eventFor(first.id))).toBe(oldKey)
      await new Promise((resolve) => setTimeout(resolve, 2100))
      expect(await invoke(handler, eventFor(first.id))).not.toBe(oldKey)
      expect(shortLived.calls(first.roleArn)).toBe(2)
    } finally {
      await shortLived.close()
    }
  })

  it('makes exactly one AssumeRole per partner for 200 concurrent requests over 10 partners', async () => {
    const handler = keyHandler(options())
    const before = sts.calls()
    sts.faults.set({ latencyMs: 50 })
    const keys = await Promise.all(
      Array.from({ length: 200 }, (_, i) => invoke(handler, eventFor(partners[i % 10]!.id))),
    )
    expect(sts.calls() - before).toBe(10)
    for (const partner of partners) expect(sts.sessions.some((s) => s.roleArn === partner.roleArn)).toBe(true)
    expect(new Set(keys).size).toBe(10)
  })

  it('keeps at most maxPartners partners, forgetting the least recently used', async () => {
    const handler = keyHandler(options({ maxPartners: 2 }))
    const before = sts.calls()
    for (const index of [0, 1, 0, 2, 0, 1]) await invoke(handler, eventFor(partners[index]!.id))
    // 0, 1 assumed; 0 cached; 2 evicts 1; 0 cached; 1 assumed again.
    expect(sts.calls() - before).toBe(4)
  })

  it('assumes the role again when the registry entry changes', async () => {
    const entry = entryOf(first)
    let current = entry
    const handler = keyHandler(options({ partners: { get: () => current } }))
    const before = sts.calls(first.roleArn)
    const oldKey = await invoke(handler, eventFor(first.id))
    current = { ...entry }
    expect(await invoke(handler, eventFor(first.id))).toBe(oldKey)
    current = { ...entry, sessionDurationSeconds: 900 }
    expect(await invoke(handler, eventFor(first.id))).not.toBe(oldKey)
    expect(sts.calls(first.roleArn) - before).toBe(2)
  })
})

describe('STS failures', () => {
  it('retries throttling with backoff and succeeds', async () => {
    const handler = keyHandler(options())
    sts.faults.set({ throttle: 2 })
    const before = sts.calls(first.roleArn)
    expect(await invoke(handler, eventFor(first.id))).toMatch(/^ASIA/)
    expect(sts.calls(first.roleArn) - before).toBe(3)
  })

  it.each([
    ['throttled', { throttle: 100 }, 'Throttling'],
    ['failing', { serverError: 100 }, 'InternalFailure'],
    ['dropping connections', { drop: 100 }, undefined],
  ])('gives a typed 503 after stsAttempts when STS keeps %s', async (_name, fault, stsCode) => {
    const handler = keyHandler(options({ stsAttempts: 4 }))
    sts.faults.set(fault)
    const before = sts.calls(first.roleArn)
    const error = await rejectionOf(invoke(handler, eventFor(first.id)))
    expect(isDynamormError(error, 'PartnerCredentialsError')).toBe(true)
    expect(error.status).toBe(503)
    expect(error.details).toMatchObject({ partnerId: first.id, attempts: 4 })
    if (stsCode) expect(error.details.stsCode).toBe(stsCode)
    expect(sts.calls(first.roleArn) - before).toBe(4)
    expect(error.cause).toBeUndefined()
  })

  it.each([
    ['a wrong ExternalId', entryOf(first, { externalId: 'not-the-one' })],
    ['a role the partner removed', entryOf(first, { roleArn: 'arn:aws:iam::999999999999:role/gone' })],
  ])('gives a typed 502 at once, without retrying, for %s', async (_name, entry) => {
    const handler = keyHandler(options({ partners: { [first.id]: entry } }))
    const before = sts.calls()
    const error = await rejectionOf(invoke(handler, eventFor(first.id)))
    expect(isDynamormError(error, 'PartnerCredentialsError')).toBe(true)
    expect(error.status).toBe(502)
    expect(error.details.stsCode).toBe('AccessDenied')
    expect(sts.calls() - before).toBe(1)
    expect(JSON.stringify(error)).not.toContain(platformCredentials.secretAccessKey)
    expect(error.message).not.toContain(first.externalId)
  })
})

describe('Lambda deadline', () => {
  // An STS of its own per test: an AssumeRole still running when the test ends must not count in another's.
  async function slowSts(latencyMs: number) {
    const server = await startStsServer({ roles: [first], now: clock.date })
    server.faults.set({ latencyMs })
    const handler = keyHandler(
      options({
        stsClientConfig: { endpoint: server.endpoint, region: 'us-east-1', credentials: platformCredentials },
      }),
    )
    return { server, handler }
  }

  it('stops waiting for a slow AssumeRole at the request deadline, with a typed 503 that names the deadline', async () => {
    const { server, handler } = await slowSts(10_000)
    try {
      const error = await rejectionOf(invoke(handler, eventFor(first.id), lambdaContext({ timeoutMs: 1500 })))
      expect(isDynamormError(error, 'PartnerCredentialsError')).toBe(true)
      expect(error.status).toBe(503)
      expect(error.message).toMatch(/deadline/i)
      expect(error.message).not.toMatch(/STS/)
      expect(error.details.partnerId).toBe(first.id)
      // Less time left than dynamoClient's margin: no wait at all.
      const late = await rejectionOf(invoke(handler, eventFor(first.id), lambdaContext({ timeoutMs: 400 })))
      expect(late).toMatchObject({ name: 'PartnerCredentialsError', status: 503 })
      expect(late.message).toMatch(/deadline/i)
    } finally {
      await server.close()
    }
  })

  it('waits for a slow AssumeRole on a clock that reports more time than a timer holds (over 2^31 ms)', async () => {
    const server = await startStsServer({ roles: [first], now: clock.date })
    server.faults.set({ latencyMs: 100 })
    // Middy's own early timeout would fire at once on such a clock; it can be turned off.
    const handler = middy({ timeoutEarlyInMillis: 0 })
      .use(dynamoClient({ client: admin, warmup: false }))
      .use(
        partnerContext(
          options({
            stsClientConfig: {
              endpoint: server.endpoint,
              region: 'us-east-1',
              credentials: platformCredentials,
            },
          }),
        ),
      )
      .handler(async (_event, context) => (await context.partner.credentials()).accessKeyId)
    try {
      const context = { ...lambdaContext(), getRemainingTimeInMillis: () => 2 ** 31 + 1000 }
      expect(await invoke(handler, eventFor(first.id), context)).toMatch(/^ASIA/)
      expect(server.calls(first.roleArn)).toBe(1)
    } finally {
      await server.close()
    }
  })

  it("leaves the shared AssumeRole to requests that still have time, and no later request inherits the first one's deadline", async () => {
    const { server, handler } = await slowSts(1500)
    try {
      const [short, long] = await Promise.allSettled([
        invoke(handler, eventFor(first.id), lambdaContext({ timeoutMs: 1500 })),
        invoke(handler, eventFor(first.id), lambdaContext({ timeoutMs: 30_000 })),
      ])
      expect(short).toMatchObject({
        status: 'rejected',
        reason: { name: 'PartnerCredentialsError', status: 503, message: expect.stringMatching(/deadline/i) },
      })
      expect(long).toMatchObject({ status: 'fulfilled', value: expect.stringMatching(/^ASIA/) })
      // One AssumeRole served both, and its credentials serve the next request from the cache.
      expect(server.calls(first.roleArn)).toBe(1)
      server.faults.reset()
      const next = await invoke(handler, eventFor(first.id), lambdaContext({ timeoutMs: 1500 }))
      expect(next).toBe((long as PromiseFulfilledResult<string>).value)
      expect(server.calls(first.roleArn)).toBe(1)
    } finally {
      await server.close()
    }
  })
})
