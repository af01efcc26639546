import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { DescribeTableCommand, GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb'
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts'
import { createDb, isDynamormError, marshallItem, unmarshallItem } from '@dynamorm/core'
import { tableRegistry } from '@dynamorm/partner'
import {
  createTestTable,
  httpApiEvent,
  lambdaContext,
  localDynamoClient,
  type StsServer,
  startStsServer,
} from '@dynamorm/testing'
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { runOnboardingStory, type StoryStep } from '../src/onboarding-story.ts'
import { type OnboardingDeps, offboardPartner, onboardPartner } from '../src/partner-onboarding.ts'
import { paymentsHandler } from '../src/payments-handler.ts'
import { keyValueTable } from '../src/tables.ts'

const endpoint = inject('dynamoEndpoint')
const platformCredentials = { accessKeyId: 'platform', secretAccessKey: 'platform-secret' }
const client = localDynamoClient(endpoint, { credentials: platformCredentials })
const run = randomBytes(3).toString('hex')
let sts: StsServer

beforeAll(async () => {
  sts = await startStsServer()
})
afterAll(() => sts.close())

const roles = () => ({
  grant: (role: { roleArn: string; externalId: string }) => sts.addRole(role),
  revoke: (roleArn: string) => sts.removeRole(roleArn),
})

async function getRaw(table: string, key: Record<string, unknown>) {
  const { Item } = await client.send(
    new GetItemCommand({ TableName: table, Key: marshallItem(key), ConsistentRead: true }),
  )
  return Item && unmarshallItem(Item)
}

async function tableExists(name: string): Promise<boolean> {
  return client.send(new DescribeTableCommand({ TableName: name })).then(
    () => true,
    (error: { name?: string }) => {
      if (error.name === 'ResourceNotFoundException') return false
      throw error
    },
  )
}

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error as Error & { status: number; details: Record<string, unknown> },
  )

describe('the onboarding story', () => {
  const ns = `story-${run}-`
  let steps: StoryStep[]
  const lines: string[] = []
  beforeAll(async () => {
    steps = await runOnboardingStory({
      dynamoEndpoint: endpoint,
      stsEndpoint: sts.endpoint,
      roles: roles(),
      namespace: ns,
      say: (line) => lines.push(line),
    })
  })

  it('answers each step with the expected status', () => {
    expect(steps.map(({ step, status }) => `${step}: ${status}`)).toEqual([
      'onboard acme: 200',
      'onboard globex: 200',
      'POST /payments as acme: 201',
      'POST /payments as globex: 201',
      'onboard acme again: 409',
      'onboard "Bad Id!": 400',
      'POST /payments as initech: 403',
      'offboard acme: 200',
      'POST /payments as acme: 403',
      'POST /payments as globex: 201',
      'offboard acme again: 404',
    ])
    expect(steps[8]?.body).toMatchObject({ error: 'UnknownPartnerError' })
    expect(lines).toHaveLength(11)
  })

  it("writes each partner's payments into its own prefixed table, in its own account", async () => {
    expect(steps[2]?.body).toEqual({
      account: '111111111111',
      table: `${ns}partner-acme-payments`,
      payment: 'pay-1',
    })
    expect(steps[3]?.body).toEqual({
      account: '222222222222',
      table: `${ns}partner-globex-payments`,
      payment: 'pay-1',
    })
    const acme = await getRaw(`${ns}partner-acme-payments`, { pk: 'PAYMENT#pay-1', sk: 'PAYMENT' })
    const globex = await getRaw(`${ns}partner-globex-payments`, { pk: 'PAYMENT#pay-1', sk: 'PAYMENT' })
    expect(acme).toMatchObject({ amount: 1250 })
    expect(globex).toMatchObject({ amount: 990 })
    // Nothing for acme after its removal; globex went on.
    expect(await getRaw(`${ns}partner-acme-payments`, { pk: 'PAYMENT#pay-2', sk: 'PAYMENT' })).toBeUndefined()
    expect(await getRaw(`${ns}partner-globex-payments`, { pk: 'PAYMENT#pay-2', sk: 'PAYMENT' })).toBeDefined()
  })

  it('leaves the registry as partnerContext() reads it: removed partners disabled, data tables kept', async () => {
    const registry = `${ns}platform-partners`
    const acme = await getRaw(registry, { pk: 'PARTNER#acme', sk: 'PARTNER' })
    const globex = await getRaw(registry, { pk: 'PARTNER#globex', sk: 'PARTNER' })
    expect(acme).toMatchObject({ disabled: true, state: 'OFFBOARDED', region: 'eu-west-1' })
    expect(globex).toMatchObject({
      disabled: false,
      state: 'ACTIVE',
      region: 'us-east-2',
      roleArn: 'arn:aws:iam::222222222222:role/dynamorm-platform-access',
      tablePrefix: `${ns}partner-globex-`,
    })
    expect(globex?.externalId).toMatch(/^[0-9a-f-]{36}$/)
    expect(await tableExists(`${ns}partner-acme-payments`)).toBe(true)
    // The refused onboarding wrote nothing.
    const { Items = [] } = await client.send(new ScanCommand({ TableName: registry }))
    expect(Items).toHaveLength(2)
  })

  it("assumed the partners' roles with their own ExternalIds, and acme's role is gone", async () => {
    const registry = `${ns}platform-partners`
    const globex = await getRaw(registry, { pk: 'PARTNER#globex', sk: 'PARTNER' })
    const globexSessions = sts.sessions.filter((s) => s.roleArn === globex?.roleArn)
    expect(globexSessions.length).toBeGreaterThanOrEqual(2) // the onboarding check and the handler
    expect(globexSessions.every((s) => s.externalId === globex?.externalId)).toBe(true)
    const acme = await getRaw(registry, { pk: 'PARTNER#acme', sk: 'PARTNER' })
    const denied = await rejection(
      new STSClient({
        endpoint: sts.endpoint,
        region: 'us-east-1',
        credentials: platformCredentials,
        maxAttempts: 1,
      }).send(
        new AssumeRoleCommand({
          RoleArn: acme?.roleArn as string,
          RoleSessionName: 'after-removal',
          ExternalId: acme?.externalId as string,
        }),
      ),
    )
    expect(denied.name).toBe('AccessDenied')
  })
})

describe('onboardPartner and offboardPartner', () => {
  const ns = `unit-${run}-`
  const registryTable = `${ns}platform-partners`
  let deps: OnboardingDeps
  const registry = tableRegistry({ table: registryTable })
  beforeAll(async () => {
    await createTestTable(client, keyValueTable(registryTable))
    deps = {
      db: createDb({ client }),
      registryTable,
      tablesClient: client,
      roles: roles(),
      sts: new STSClient({
        endpoint: sts.endpoint,
        region: 'us-east-1',
        credentials: platformCredentials,
        maxAttempts: 1,
      }),
      registry,
      tablePrefix: `${ns}partner-`,
    }
  })
  const handler = () =>
    paymentsHandler({
      client,
      partners: registry,
      stsClientConfig: { endpoint: sts.endpoint, region: 'us-east-1', credentials: platformCredentials },
      partnerClientConfig: { endpoint },
    })
  const post = async (partnerId: string | undefined, body: unknown) =>
    (await handler()(
      httpApiEvent({
        method: 'POST',
        path: '/payments',
        body: body as string,
        jwtClaims: partnerId === undefined ? {} : { partner_id: partnerId },
      }),
      lambdaContext(),
    )) as APIGatewayProxyStructuredResultV2
  const errorOf = (result: APIGatewayProxyStructuredResultV2) => JSON.parse(result.body ?? '{}').error

  it('rejects malformed requests with 400 before writing anything', async () => {
    const good = { partnerId: 'bad-input', accountId: '444444444444', region: 'eu-west-1' }
    for (const bad of [
      { partnerId: 'x' },
      { partnerId: 'has#hash' },
      { accountId: '4444' },
      { accountId: 444444444444 },
      { region: 'mars-1' },
      { roleName: 'has space' },
    ]) {
      const error = await rejection(onboardPartner(deps, { ...good, ...bad } as never))
      expect(isDynamormError(error, 'InvalidOnboardingRequestError')).toBe(true)
      expect(error.status).toBe(400)
    }
    const { Items = [] } = await client.send(new ScanCommand({ TableName: registryTable }))
    expect(Items).toHaveLength(0)
  })

  it('keeps a partner whose role cannot be assumed disabled (424), and onboards it once the role exists', async () => {
    const noRole = { ...deps, roles: { grant: () => {}, revoke: () => {} } }
    const error = await rejection(
      onboardPartner(noRole, { partnerId: 'late-role', accountId: '555555555555', region: 'eu-west-1' }),
    )
    expect(isDynamormError(error, 'PartnerRoleNotUsableError')).toBe(true)
    expect(error.status).toBe(424)
    expect(error.details).toEqual({ partnerId: 'late-role', stsCode: 'AccessDenied' })
    expect(await getRaw(registryTable, { pk: 'PARTNER#late-role', sk: 'PARTNER' })).toMatchObject({
      disabled: true,
      state: 'ONBOARDING',
    })
    expect(errorOf(await post('late-role', { id: 'p1', amount: 1 }))).toBe('UnknownPartnerError')
    const onboarded = await onboardPartner(deps, {
      partnerId: 'late-role',
      accountId: '555555555555',
      region: 'eu-west-1',
      roleName: 'custom-role',
    })
    expect(onboarded.roleArn).toBe('arn:aws:iam::555555555555:role/custom-role')
    // The onboarding invalidated the cached "unknown": the next request resolves the partner.
    const created = await post('late-role', { id: 'p1', amount: 1 })
    expect(created.statusCode).toBe(201)
  })

  it('re-onboards a removed partner with a new ExternalId, keeping its data; the old one stops working', async () => {
    const request = { partnerId: 'returning', accountId: '666666666666', region: 'eu-west-1' }
    const first = await onboardPartner(deps, request)
    expect((await post('returning', { id: 'kept', amount: 7 })).statusCode).toBe(201)
    await offboardPartner(deps, 'returning')
    const second = await onboardPartner(deps, request)
    expect(second.externalId).not.toBe(first.externalId)
    expect(
      await getRaw(`${ns}partner-returning-payments`, { pk: 'PAYMENT#kept', sk: 'PAYMENT' }),
    ).toMatchObject({
      amount: 7,
    })
    const stale = await rejection(
      deps.sts.send(
        new AssumeRoleCommand({
          RoleArn: first.roleArn,
          RoleSessionName: 'stale',
          ExternalId: first.externalId,
        }),
      ),
    )
    expect(stale.name).toBe('AccessDenied')
    expect((await post('returning', { id: 'again', amount: 8 })).statusCode).toBe(201)
  })

  /** deps whose role grant waits, once reached, until released: another onboarding runs meanwhile. */
  function pausedAtGrant() {
    let reached!: () => void
    let release!: () => void
    const atGrant = new Promise<void>((resolve) => {
      reached = resolve
    })
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    const paused: OnboardingDeps = {
      ...deps,
      roles: {
        grant: async (role) => {
          reached()
          await released
          await deps.roles.grant(role)
        },
        revoke: deps.roles.revoke,
      },
    }
    return { paused, atGrant, release }
  }

  it('lets two concurrent onboardings of a partner agree on one ExternalId, which its role trusts', async () => {
    const request = { partnerId: 'twice', accountId: '777777777777', region: 'eu-west-1' }
    const { paused, atGrant, release } = pausedAtGrant()
    const first = onboardPartner(paused, request)
    await atGrant
    const second = await onboardPartner(deps, request)
    release()
    expect((await first).externalId).toBe(second.externalId)
    const registered = await getRaw(registryTable, { pk: 'PARTNER#twice', sk: 'PARTNER' })
    expect(registered).toMatchObject({ state: 'ACTIVE', externalId: second.externalId })
    // The ExternalId the registry holds is the one the role was granted last: the partner is served.
    expect((await post('twice', { id: 'p1', amount: 1 })).statusCode).toBe(201)
  })

  it('refuses the onboarding whose claim another one for another role replaced (409), keeping the winner', async () => {
    const request = { partnerId: 'rival', accountId: '888888888888', region: 'eu-west-1' }
    const { paused, atGrant, release } = pausedAtGrant()
    const first = onboardPartner(paused, { ...request, roleName: 'first-role' })
    await atGrant
    const second = await onboardPartner(deps, request)
    release()
    const error = await rejection(first)
    expect(isDynamormError(error, 'PartnerOnboardingConflictError')).toBe(true)
    expect(error.status).toBe(409)
    expect(await getRaw(registryTable, { pk: 'PARTNER#rival', sk: 'PARTNER' })).toMatchObject({
      state: 'ACTIVE',
      roleArn: second.roleArn,
      externalId: second.externalId,
    })
    expect((await post('rival', { id: 'p1', amount: 1 })).statusCode).toBe(201)
  })

  it("deletes the partner's tables on removal only when asked", async () => {
    await onboardPartner(deps, { partnerId: 'leaving', accountId: '777777777777', region: 'eu-west-1' })
    const removed = await offboardPartner(deps, 'leaving', { deleteTables: true })
    expect(removed.deletedTables).toEqual([`${ns}partner-leaving-payments`])
    expect(await tableExists(`${ns}partner-leaving-payments`)).toBe(false)
    expect(errorOf(await post('leaving', { id: 'p', amount: 1 }))).toBe('UnknownPartnerError')
    const unknown = await rejection(offboardPartner(deps, 'never-onboarded'))
    expect(isDynamormError(unknown, 'PartnerNotOnboardedError')).toBe(true)
  })

  it('finishes a removal whose role revocation failed when it is run again', async () => {
    // Disabled, then IAM failed: the role still trusted the platform, the tables asked to go were kept,
    // and a second run was refused (404) since the partner was no longer active: no way to finish it.
    const key = { pk: 'PARTNER#stuck', sk: 'PARTNER' }
    const onboarded = await onboardPartner(deps, {
      partnerId: 'stuck',
      accountId: '999999999999',
      region: 'eu-west-1',
    })
    const failing: OnboardingDeps = {
      ...deps,
      roles: {
        grant: deps.roles.grant,
        revoke: () => {
          throw new Error('IAM unavailable')
        },
      },
    }
    await expect(offboardPartner(failing, 'stuck', { deleteTables: true })).rejects.toThrow('IAM unavailable')
    expect(errorOf(await post('stuck', { id: 'p', amount: 1 }))).toBe('UnknownPartnerError')
    expect(await getRaw(registryTable, key)).toMatchObject({ state: 'OFFBOARDING', disabled: true })
    const removed = await offboardPartner(deps, 'stuck', { deleteTables: true })
    expect(removed).toEqual({
      partnerId: 'stuck',
      roleArn: onboarded.roleArn,
      deletedTables: [`${ns}partner-stuck-payments`],
    })
    expect(await tableExists(`${ns}partner-stuck-payments`)).toBe(false)
    const refused = await rejection(
      deps.sts.send(
        new AssumeRoleCommand({
          RoleArn: onboarded.roleArn,
          RoleSessionName: 'after-removal',
          ExternalId: onboarded.externalId,
        }),
      ),
    )
    expect(refused.name).toBe('AccessDenied')
    expect(await getRaw(registryTable, key)).toMatchObject({ state: 'OFFBOARDED', disabled: true })
    const again = await rejection(offboardPartner(deps, 'stuck'))
    expect(isDynamormError(again, 'PartnerNotOnboardedError')).toBe(true)
  })

  it('refuses to onboard a partner while its removal runs (409), so the removal never revokes the new role', async () => {
    const request = { partnerId: 'comeback', accountId: '555555555555', region: 'eu-west-1' }
    await onboardPartner(deps, request)
    let reached!: () => void
    let release!: () => void
    const atRevoke = new Promise<void>((resolve) => {
      reached = resolve
    })
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    const slow: OnboardingDeps = {
      ...deps,
      roles: {
        grant: deps.roles.grant,
        revoke: async (roleArn) => {
          reached()
          await released
          await deps.roles.revoke(roleArn)
        },
      },
    }
    const removal = offboardPartner(slow, 'comeback')
    await atRevoke
    // Onboarded now, its role granted, the removal would then revoke that role: active, and unservable.
    const early = await rejection(onboardPartner(deps, request))
    release()
    await removal
    expect(isDynamormError(early, 'PartnerRemovalUnfinishedError')).toBe(true)
    expect(early.status).toBe(409)
    await onboardPartner(deps, request)
    expect((await post('comeback', { id: 'p1', amount: 1 })).statusCode).toBe(201)
  })

  it("keeps serving a removed partner in another warm container until that container's cached lookup expires: revoking the role ends no session already issued", async () => {
    await onboardPartner(deps, { partnerId: 'lingering', accountId: '123456789012', region: 'eu-west-1' })
    // Another container: its own registry cache (not the one offboardPartner invalidates) and its own
    // cached credentials, both warm.
    let now = Date.now()
    const elsewhere = paymentsHandler({
      client,
      partners: tableRegistry({ table: registryTable, now: () => now }),
      stsClientConfig: { endpoint: sts.endpoint, region: 'us-east-1', credentials: platformCredentials },
      partnerClientConfig: { endpoint },
    })
    const postElsewhere = async (id: string) =>
      (await elsewhere(
        httpApiEvent({
          method: 'POST',
          path: '/payments',
          body: JSON.stringify({ id, amount: 1 }),
          jwtClaims: { partner_id: 'lingering' },
        }),
        lambdaContext(),
      )) as APIGatewayProxyStructuredResultV2
    expect((await postElsewhere('before')).statusCode).toBe(201)
    const assumed = sts.calls()
    await offboardPartner(deps, 'lingering')
    expect(errorOf(await post('lingering', { id: 'here', amount: 1 }))).toBe('UnknownPartnerError')
    // The role is revoked, yet the other container still resolves the partner and uses the session
    // it holds: no AssumeRole is needed for it, so nothing refuses it.
    expect((await postElsewhere('after-revoke')).statusCode).toBe(201)
    expect(sts.calls()).toBe(assumed)
    // Once its cached lookup expires it reads the registry again, drops the partner and answers 403.
    now += 60_001
    const after = await postElsewhere('after-ttl')
    expect(after.statusCode).toBe(403)
    expect(errorOf(after)).toBe('UnknownPartnerError')
  })

  it('answers bad payment requests with typed statuses and no stack or AWS detail', async () => {
    await onboardPartner(deps, { partnerId: 'payer', accountId: '888888888888', region: 'eu-west-1' })
    const cases: Array<[string | undefined, unknown, number, string]> = [
      [undefined, { id: 'p', amount: 1 }, 401, 'PartnerMissingError'],
      ['not valid!', { id: 'p', amount: 1 }, 400, 'MalformedPartnerIdError'],
      ['payer', 'not json', 400, 'ValidationError'],
      ['payer', { id: 'p', amount: -1 }, 400, 'ValidationError'],
      ['payer', { id: 'p', amount: 1, currency: 'XXX' }, 400, 'ValidationError'],
      ['payer', { amount: 1 }, 400, 'ValidationError'],
    ]
    for (const [partnerId, body, status, name] of cases) {
      const result = await post(partnerId, body)
      expect(result.statusCode).toBe(status)
      expect(errorOf(result)).toBe(name)
      expect(result.body).not.toMatch(/at .*\.ts|secret|ASIA/)
    }
    expect((await post('payer', { id: 'once', amount: 5 })).statusCode).toBe(201)
    const duplicate = await post('payer', { id: 'once', amount: 5 })
    expect(duplicate.statusCode).toBe(409)
    expect(errorOf(duplicate)).toBe('ConditionFailedError')
  })
})

describe('pnpm start', () => {
  it('runs the story against DynamoDB Local and a loopback STS of its own and exits 0', async () => {
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
    const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=source', main], {
      timeout: 60_000,
    })
    const lines = stdout.trim().split('\n')
    expect(lines).toHaveLength(12)
    expect(lines[4]).toMatch(/^onboard acme again +409 PartnerAlreadyOnboardedError$/)
    expect(lines[8]).toMatch(/^POST \/payments as acme +403 UnknownPartnerError$/)
    expect(lines[11]).toMatch(/^STS AssumeRole calls: \d+$/)
  }, 90_000)
})
