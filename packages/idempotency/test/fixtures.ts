// Shared by the idempotency tests: tables on the run's DynamoDB Local, a Middy handler wired as in
// production (dynamoClient first, so its after commits the unit of work last), and record readers.
import { GetItemCommand, PutItemCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb'
import { dynamoClient } from '@dynamorm/client'
import { createDb, type Db, marshallItem, unmarshallItem } from '@dynamorm/core'
import { createTestTable, lambdaContext, localDynamoClient, type TestTable } from '@dynamorm/testing'
import type { MiddlewareObj } from '@middy/core'
import type { Context } from 'aws-lambda'
import { afterAll, beforeAll, inject } from 'vitest'

export const endpoint = inject('dynamoEndpoint')
export const admin = createDb({ client: localDynamoClient(endpoint) })

/** A partition-key-only idempotency table with TTL on `expiresAt`, and a pk/sk payments table. */
export async function createTables(prefix = 'test-'): Promise<IdempotencyTables> {
  const records = await createTestTable(admin.client, {
    prefix: `${prefix}idem`,
    sortKey: null,
    ttlAttribute: 'expiresAt',
  })
  const payments = await createTestTable(admin.client, { prefix: `${prefix}payments` })
  return { records, payments }
}

export interface IdempotencyTables {
  records: TestTable
  payments: TestTable
}

/** For a test file: `createTables(prefix)` before its tests (filled in by beforeAll), deleted after them. */
export function tablesForFile(prefix: string): IdempotencyTables {
  const tables = {} as IdempotencyTables
  beforeAll(async () => {
    Object.assign(tables, await createTables(prefix))
  })
  afterAll(async () => {
    await tables.records.delete()
    await tables.payments.delete()
  })
  return tables
}

/** dynamoClient() without warm-up, on its own client (so SDK retries and sockets are the test's). */
export const clientMiddleware = (target = endpoint, maxAttempts = 3) =>
  dynamoClient({ client: localDynamoClient(target, { maxAttempts }), warmup: false })

/** A payment write for the unit of work: fails if the payment exists, so a double charge cannot hide. */
export function paymentWrite(table: string, id: string, amount: number): TransactWriteItem {
  return {
    Put: {
      TableName: table,
      Item: marshallItem({ pk: `PAYMENT#${id}`, sk: 'V1', amount }),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  }
}

export async function readPayment(table: string, id: string): Promise<Record<string, unknown> | undefined> {
  const { Item } = await admin.send(
    new GetItemCommand({
      TableName: table,
      Key: marshallItem({ pk: `PAYMENT#${id}`, sk: 'V1' }),
      ConsistentRead: true,
    }),
  )
  return Item && unmarshallItem(Item)
}

/** The raw record (unmarshalled), read strongly consistent. */
export async function readRecord(
  table: string,
  recordKey: string,
  partitionKey = 'pk',
): Promise<Record<string, unknown> | undefined> {
  const { Item } = await admin.send(
    new GetItemCommand({ TableName: table, Key: { [partitionKey]: { S: recordKey } }, ConsistentRead: true }),
  )
  return Item && unmarshallItem(Item)
}

export async function putRawRecord(table: string, item: Record<string, unknown>): Promise<void> {
  await admin.send(new PutItemCommand({ TableName: table, Item: marshallItem(item) }))
}

/** Sets context.partner as partnerContext() does: the request's Db scoped to the partner's client and prefix. */
export function fakePartner(id: string, partnerDb: Db): MiddlewareObj {
  return {
    before: (request) => {
      const context = request.context as unknown as { db: Db; partner: unknown }
      context.partner = {
        id,
        db: context.db.scoped({ client: partnerDb.client, tableName: partnerDb.options.tableName }),
      }
    },
  }
}

/**
 * Invokes a Middy handler as the Lambda runtime does, with a plain Context: Middy types the handler's
 * context as what its middlewares add, which only exists once they have run.
 */
/** What the tests' HTTP handlers answer, and such a handler as the Lambda runtime calls it. */
export type HttpResult = { statusCode: number; headers?: Record<string, string>; body?: string }
export type HttpHandler = (event: unknown, context: unknown) => Promise<HttpResult>

export function invoke<Result>(
  handler: (event: any, context: any) => Promise<Result>,
  event: unknown,
  context: Context = lambdaContext(),
): Promise<Result> {
  return handler(event, context)
}

/** A promise with its resolver outside: holds a handler in flight until the test lets it go. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void
  const promise = new Promise<void>((resolve) => {
    open = resolve
  })
  return { promise, open }
}

export async function rejection(promise: Promise<unknown>): Promise<Error & { status?: number }> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  )
  if (!('error' in outcome)) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`)
  return outcome.error as Error & { status?: number }
}
