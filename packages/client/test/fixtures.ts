// Shared by the client tests: one payments table on the run's DynamoDB Local, and a Middy handler
// that queues writes in the unit of work.
import { GetItemCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb'
import { type Db, marshallItem, unmarshallItem } from '@dynamorm/core'
import { lambdaContext } from '@dynamorm/testing'

export const credentials = { accessKeyId: 'local', secretAccessKey: 'local' }

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
