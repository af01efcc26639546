// Shared by the client tests: a payments table and a fault proxy on the run's DynamoDB Local, payment
// writes and reads, and a Middy handler invoked as the Lambda runtime does.
import { GetItemCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb'
import { createDb, type Db, marshallItem, unmarshallItem } from '@dynamorm/core'
import {
  createTestTable,
  type DynamoFaultProxy,
  lambdaContext,
  localDynamoClient,
  startDynamoFaultProxy,
  type TestTable,
} from '@dynamorm/testing'
import { afterAll, afterEach, beforeAll, inject } from 'vitest'

export const credentials = { accessKeyId: 'local', secretAccessKey: 'local' }
export const endpoint = inject('dynamoEndpoint')
export const admin = createDb({ client: localDynamoClient(endpoint) })

export interface PaymentsTableAndProxy {
  table: TestTable
  /** A fault proxy in front of DynamoDB Local; its faults are reset after every test. */
  proxy: DynamoFaultProxy
}

/** For a test file: a payments table and a fault proxy, made before its tests (filled in by beforeAll), removed after. */
export function paymentsTableAndProxyForFile(prefix: string): PaymentsTableAndProxy {
  const env = {} as PaymentsTableAndProxy
  beforeAll(async () => {
    env.table = await createTestTable(admin.client, { prefix })
    env.proxy = await startDynamoFaultProxy(endpoint)
  })
  afterAll(async () => {
    await env.table.delete()
    await env.proxy.close()
  })
  afterEach(() => env.proxy.faults.reset())
  return env
}

export function putPayment(table: string, id: string, amount: number): TransactWriteItem {
  return {
    Put: {
      TableName: table,
      Item: marshallItem({ pk: `PAYMENT#${id}`, sk: 'V1', amount }),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  }
}

export async function readPayment(db: Db, table: string, id: string) {
  const { Item } = await db.send(
    new GetItemCommand({
      TableName: table,
      Key: marshallItem({ pk: `PAYMENT#${id}`, sk: 'V1' }),
      ConsistentRead: true,
    }),
  )
  return Item && unmarshallItem(Item)
}

/**
 * Invokes a Middy handler as the Lambda runtime does, with a plain Context: Middy types the handler's
 * context as what its middlewares add, which only exists once they have run.
 */
export function invoke<Result>(
  handler: (event: any, context: any) => Promise<Result>,
  context: object = lambdaContext(),
  event: unknown = {},
): Promise<Result> {
  return handler(event, context)
}
