// Shared by the tests: an audit table shaped like auditTableDefinition() on DynamoDB Local, a business
// table, and a handler wired the way users wire it (dynamoClient first, then partner, then audit).
import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb'
import { dynamoClient } from '@dynamorm/client'
import type { Db } from '@dynamorm/core'
import { createTestTable, localDynamoClient, type TestTable } from '@dynamorm/testing'
import middy, { type MiddlewareObj } from '@middy/core'
import type { Context } from 'aws-lambda'
import { afterAll, beforeAll, inject } from 'vitest'
import {
  type AuditTrailContext,
  type AuditTrailOptions,
  auditTableDefinition,
  auditTrail,
} from '../src/index.ts'

export function testClient(): DynamoDBClient {
  return localDynamoClient(inject('dynamoEndpoint'))
}

/** An audit table created from the same definition users deploy. */
export async function createAuditTable(client: DynamoDBClient, prefix = 'audit'): Promise<TestTable> {
  const definition = auditTableDefinition('unused')
  return createTestTable(client, {
    prefix,
    globalIndexes: (definition.GlobalSecondaryIndexes ?? []).map((index) => ({
      name: index.IndexName!,
      partitionKey: { name: index.KeySchema![0]!.AttributeName!, type: 'S' },
      sortKey: { name: index.KeySchema![1]!.AttributeName!, type: 'S' },
    })),
  })
}

/**
 * A partner without STS, for tests about the audit itself (with-partner-context.test.ts runs the real
 * partnerContext()): the partner from the JWT's `partner` claim, its Db scoped from the request's Db as
 * partnerContext() does (same meter and unit of work).
 */
export function partnerFromClaims(region = 'us-east-1'): MiddlewareObj<unknown, unknown, Error, Context> {
  return {
    before: (request) => {
      const event = request.event as {
        requestContext?: { authorizer?: { jwt?: { claims?: { partner?: string } } } }
      }
      const id = event.requestContext?.authorizer?.jwt?.claims?.partner
      if (id === undefined) throw Object.assign(new Error('no partner'), { name: 'PartnerUnknownError' })
      const context = request.context as Context & { db: Db; partner?: unknown }
      context.partner = { id, accountId: '123456789012', region, db: context.db.scoped({}) }
    },
  }
}

export type AuditedContext = Context & AuditTrailContext & { db: Db; partner: { id: string; db: Db } }

export interface AuditAndPaymentTables {
  audit: TestTable
  payments: TestTable
}

/** For a test file: an audit table and a payments table, made before its tests (filled in by beforeAll), deleted after. */
export function auditAndPaymentTablesForFile(
  client: DynamoDBClient,
  auditPrefix: string,
  paymentsPrefix: string,
): AuditAndPaymentTables {
  const tables = {} as AuditAndPaymentTables
  beforeAll(async () => {
    ;[tables.audit, tables.payments] = await Promise.all([
      createAuditTable(client, auditPrefix),
      createTestTable(client, { prefix: paymentsPrefix }),
    ])
  })
  afterAll(async () => {
    await Promise.all([tables.audit.delete(), tables.payments.delete()])
  })
  return tables
}

export function auditedHandler(
  client: DynamoDBClient,
  options: AuditTrailOptions,
  handler: (event: unknown, context: AuditedContext) => Promise<unknown>,
  audit = auditTrail(options),
) {
  return middy()
    .use(dynamoClient({ client, warmup: false }))
    .use(partnerFromClaims())
    .use(audit)
    .handler(handler as never) as unknown as LambdaEntry
}

/** How the Lambda runtime calls the handler: with a plain Context, which the middlewares extend. */
export type LambdaEntry = (event: unknown, context: Context) => Promise<any>

export async function scanAll(client: DynamoDBClient, tableName: string) {
  const items = []
  let startKey: Record<string, never> | undefined
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey, ConsistentRead: true }),
    )
    items.push(...(page.Items ?? []))
    startKey = page.LastEvaluatedKey as never
  } while (startKey !== undefined)
  return items
}

export function captureLogger() {
  const lines: Record<string, unknown>[] = []
  return { lines, logger: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) }
}
