// The full chain users write: dynamoClient -> partnerContext (real, against the loopback STS) -> auditTrail.
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb'
import { dynamoClient } from '@dynamorm/client'
import { createDb, defaultPriceTable, marshallItem } from '@dynamorm/core'
import { partnerContext } from '@dynamorm/partner'
import {
  createTestTable,
  httpApiEvent,
  lambdaContext,
  type StsServer,
  startStsServer,
  type TestTable,
} from '@dynamorm/testing'
import middy from '@middy/core'
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import { auditTrail, entityHistory, verifyAuditChain } from '../src/index.ts'
import { captureLogger, createAuditTable, type LambdaEntry, testClient } from './audit-fixture.ts'

let client: DynamoDBClient
let sts: StsServer
let auditTable: TestTable
let payments: TestTable
const roleArn = 'arn:aws:iam::111122223333:role/dynamorm-platform'

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID ??= 'local'
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local'
  client = testClient()
  sts = await startStsServer({ roles: [{ roleArn, externalId: 'acme-7f3a' }] })
  ;[auditTable, payments] = await Promise.all([
    createAuditTable(client, 'acme-audit'),
    createTestTable(client, { prefix: 'acme-payments' }),
  ])
})
afterAll(async () => {
  await Promise.all([auditTable.delete(), payments.delete(), sts.close()])
})

it("audits in the partner's account and table, priced in the partner's region", async () => {
  const { lines, logger } = captureLogger()
  const handler = middy()
    .use(dynamoClient({ client, warmup: false }))
    .use(
      partnerContext({
        partners: {
          acme: {
            roleArn,
            externalId: 'acme-7f3a',
            region: 'eu-west-1',
            tableName: (logical) => (logical === 'audit' ? auditTable.name : payments.name),
          },
        },
        stsClientConfig: { endpoint: sts.endpoint, region: 'us-east-1' },
        partnerClient: { clientConfig: { endpoint: inject('dynamoEndpoint') } },
      }),
    )
    .use(auditTrail({ logger }))
    .handler(async (_event, context) => {
      const { partner } = context
      const after = { pk: 'PAYMENT#p-1', sk: 'V1', amount: 4200 }
      partner.db.unitOfWork.add({
        Put: { TableName: partner.tableName('payments'), Item: marshallItem(after) },
      })
      context.audit.record({ action: 'capture', entity: 'Payment', key: { paymentId: 'p-1' }, after })
      return { statusCode: 201 }
    }) as unknown as LambdaEntry
  const event = httpApiEvent({ method: 'POST', jwtClaims: { partner_id: 'acme', sub: 'clerk-1' } })
  await expect(handler(event, lambdaContext())).resolves.toEqual({ statusCode: 201 })
  const { Item } = await client.send(
    new GetItemCommand({ TableName: payments.name, Key: marshallItem({ pk: 'PAYMENT#p-1', sk: 'V1' }) }),
  )
  expect(Item).toBeDefined()
  const [entry] = await entityHistory({
    db: createDb({ client }),
    table: auditTable.name,
    partnerId: 'acme',
    entity: 'Payment',
    key: { paymentId: 'p-1' },
  })
  expect(entry).toMatchObject({ partner: 'acme', actor: 'clerk-1', outcome: 'success' })
  const eu = defaultPriceTable['eu-west-1']!
  const { readCapacityUnits, writeCapacityUnits } = entry!.capacity
  expect(entry!.cost!.total).toBeCloseTo(
    (readCapacityUnits * eu.onDemandReadPerMillion + writeCapacityUnits * eu.onDemandWritePerMillion) / 1e6,
    15,
  )
  expect(lines[0]).toMatchObject({ partner: 'acme', actor: 'clerk-1', level: 'INFO' })
  const report = await verifyAuditChain({
    db: createDb({ client }),
    table: auditTable.name,
    partnerId: 'acme',
  })
  expect(report).toMatchObject({ valid: true, entries: 1 })
})
