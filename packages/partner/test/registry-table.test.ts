import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { dynamoClient } from '@dynamorm/client'
import { createDb, isDynamormError, marshallItem } from '@dynamorm/core'
import {
  createTestTable,
  type DynamoFaultProxy,
  httpApiEvent,
  localDynamoClient,
  type StsServer,
  startDynamoFaultProxy,
  startStsServer,
  type TestTable,
} from '@dynamorm/testing'
import middy from '@middy/core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { partnerContext, type TableRegistryOptions, tableRegistry } from '../src/index.ts'
import { invoke, manualClock, platformCredentials, rejectionOf, testPartner } from './fixtures.ts'

const endpoint = inject('dynamoEndpoint')
const admin = localDynamoClient(endpoint)
const partner = testPartner('partner-r', 30)
let registryTable: TestTable
let sts: StsServer
let proxy: DynamoFaultProxy

beforeAll(async () => {
  registryTable = await createTestTable(admin, { prefix: 'partner-registry' })
  sts = await startStsServer({ roles: [partner] })
  proxy = await startDynamoFaultProxy(endpoint)
})
afterAll(async () => {
  await registryTable.delete()
  await sts.close()
  await proxy.close()
})

async function register(partnerId: string, item: Record<string, unknown>) {
  await admin.send(
    new PutItemCommand({
      TableName: registryTable.name,
      Item: marshallItem({ pk: `PARTNER#${partnerId}`, sk: 'PARTNER', ...item }),
    }),
  )
}

async function unregister(partnerId: string) {
  await admin.send(
    new DeleteItemCommand({
      TableName: registryTable.name,
      Key: marshallItem({ pk: `PARTNER#${partnerId}`, sk: 'PARTNER' }),
    }),
  )
}

function setup(registryOptions: Partial<TableRegistryOptions> = {}) {
  const clock = manualClock()
  const registry = tableRegistry({
    table: registryTable.name,
    now: clock.now,
    consistentRead: true,
    ...registryOptions,
  })
  const handler = middy()
    .use(dynamoClient({ client: localDynamoClient(proxy.endpoint), warmup: false }))
    .use(
      partnerContext({
        partners: registry,
        stsClientConfig: { endpoint: sts.endpoint, region: 'us-east-1', credentials: platformCredentials },
        partnerClient: { clientConfig: { endpoint } },
      }),
    )
    .handler(async (_event, context) => ({
      id: context.partner.id,
      table: context.partner.tableName('payments'),
      kmsKeyId: context.partner.kmsKeyId,
      registryReads: context.db.meter.totals().calls,
    }))
  const call = (partnerId: string) => invoke(handler, httpApiEvent({ jwtClaims: { partner_id: partnerId } }))
  return { clock, registry, call }
}

const item = {
  roleArn: partner.roleArn,
  externalId: partner.externalId,
  region: 'ap-southeast-2',
  sessionDurationSeconds: 900,
  tablePrefix: 'partner-r-',
  kmsKeyId: 'alias/partner-r',
}

describe('tableRegistry', () => {
  it('resolves a partner from its item, reading it through the request (metered) once per TTL', async () => {
    await register('partner-r', item)
    const { call, clock } = setup({ cacheTtlMs: 30_000 })
    const before = proxy.calls('GetItem')
    expect(await call('partner-r')).toEqual({
      id: 'partner-r',
      table: 'partner-r-payments',
      kmsKeyId: 'alias/partner-r',
      registryReads: 1,
    })
    expect((await call('partner-r')).registryReads).toBe(0)
    expect(proxy.calls('GetItem') - before).toBe(1)
    clock.advance(30_001)
    expect((await call('partner-r')).registryReads).toBe(1)
    expect(proxy.calls('GetItem') - before).toBe(2)
  })

  it('stops resolving a removed partner once its cache entry expires', async () => {
    await register('partner-r', item)
    const { call, clock } = setup({ cacheTtlMs: 60_000 })
    expect((await call('partner-r')).id).toBe('partner-r')
    await unregister('partner-r')
    expect((await call('partner-r')).id).toBe('partner-r')
    clock.advance(60_001)
    const error = await rejectionOf(call('partner-r'))
    expect(isDynamormError(error, 'UnknownPartnerError')).toBe(true)
    expect(error.status).toBe(403)
  })

  it('stops resolving a removed partner at once after invalidate()', async () => {
    await register('partner-r', item)
    const { call, registry } = setup()
    expect((await call('partner-r')).id).toBe('partner-r')
    await unregister('partner-r')
    registry.invalidate('partner-r')
    expect((await rejectionOf(call('partner-r'))).status).toBe(403)
  })

  it('treats a disabled item as removed', async () => {
    await register('partner-d', { ...item, disabled: true })
    const { call } = setup()
    expect((await rejectionOf(call('partner-d'))).status).toBe(403)
  })

  it('caches unknown partners too, and picks up an onboarded one after invalidate()', async () => {
    const { call, registry } = setup()
    const before = proxy.calls('GetItem')
    expect((await rejectionOf(call('partner-new'))).status).toBe(403)
    expect((await rejectionOf(call('partner-new'))).status).toBe(403)
    expect(proxy.calls('GetItem') - before).toBe(1)
    await register('partner-new', item)
    registry.invalidate('partner-new')
    expect((await call('partner-new')).id).toBe('partner-new')
  })

  it('reads once for many concurrent requests', async () => {
    await register('partner-r', item)
    const { call } = setup()
    const before = proxy.calls('GetItem')
    proxy.faults.set({ latencyMs: 50, operation: 'GetItem' })
    try {
      const results = await Promise.all(Array.from({ length: 20 }, () => call('partner-r')))
      expect(results.every((result) => result.id === 'partner-r')).toBe(true)
    } finally {
      proxy.faults.reset()
    }
    expect(proxy.calls('GetItem') - before).toBe(1)
  })

  it('answers 500 for a malformed item, naming the partner', async () => {
    await register('partner-bad', { ...item, roleArn: 'not-an-arn' })
    const { call } = setup()
    const error = await rejectionOf(call('partner-bad'))
    expect(isDynamormError(error, 'PartnerConfigError')).toBe(true)
    expect(error.status).toBe(500)
    expect(error.message).toContain('partner-bad')
  })

  it('answers 500 for an item whose kmsKeyId is not a string, before any request uses it', async () => {
    // A number here would reach KMS as a KeyId; every other optional field is checked the same way.
    await register('partner-bad-key', { ...item, kmsKeyId: 42 })
    const { call } = setup()
    const error = await rejectionOf(call('partner-bad-key'))
    expect(isDynamormError(error, 'PartnerConfigError')).toBe(true)
    expect(error.status).toBe(500)
    expect(error.message).toContain('kmsKeyId')
  })

  it.each([
    ['a character no table name holds', 'partner-r/../partner-s-'],
    ['a length that leaves no room for a table name', 'p'.repeat(253)],
  ])(
    'answers 500 for an item whose tablePrefix has %s, before the handler names a table',
    async (_case, tablePrefix) => {
      // Else the first table the handler names is a 400 ValidationError: the registry's fault blamed on the caller.
      await register('partner-bad-prefix', { ...item, tablePrefix })
      const { call } = setup()
      const error = await rejectionOf(call('partner-bad-prefix'))
      expect(isDynamormError(error, 'PartnerConfigError')).toBe(true)
      expect(error.status).toBe(500)
      expect(error.message).toContain('tablePrefix')
    },
  )

  it('uses a custom key and the request Db table prefix', async () => {
    const db = createDb({ client: admin })
    await db.send(
      new PutItemCommand({
        TableName: registryTable.name,
        Item: marshallItem({ pk: 'custom', sk: 'partner-k', ...item }),
      }),
    )
    const registry = tableRegistry({ table: registryTable.name, key: (id) => ({ pk: 'custom', sk: id }) })
    expect(await registry.get('partner-k', db)).toMatchObject({
      roleArn: partner.roleArn,
      tablePrefix: 'partner-r-',
    })
    expect(await registry.get('partner-none', db)).toBeUndefined()
  })

  it('surfaces a registry read failure as the typed DynamoDB error, and does not cache it', async () => {
    await register('partner-r', item)
    const { call } = setup()
    proxy.faults.set({ serverError: 10, operation: 'GetItem' })
    try {
      const error = await rejectionOf(call('partner-r'))
      expect(isDynamormError(error, 'ServiceUnavailableError')).toBe(true)
    } finally {
      proxy.faults.reset()
    }
    expect((await call('partner-r')).id).toBe('partner-r')
  })
})
