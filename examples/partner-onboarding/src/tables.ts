// Table definitions: the registry in the platform's account, and the tables every partner gets (in
// production, created in the partner's account by a stack the partner deploys; here, on DynamoDB Local).
import { CreateTableCommand, DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'

/** Logical names of the tables each partner has, prefixed per partner (`partner-acme-payments`). */
export const partnerTables = ['payments'] as const

/** A table with string keys `pk` / `sk`, on demand: the registry's layout and the partners' tables'. */
export async function createKeyValueTable(client: DynamoDBClient, name: string): Promise<void> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  )
}

export async function deleteTable(client: DynamoDBClient, name: string): Promise<void> {
  try {
    await client.send(new DeleteTableCommand({ TableName: name }))
  } catch (error) {
    // Already gone is what was asked for.
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error
  }
}
