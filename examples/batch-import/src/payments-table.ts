// The table the Payment model lives in: string keys `pk` / `sk`, on demand. In production this is
// CloudFormation / SAM; here it is made on DynamoDB Local so the example needs nothing else.
import { CreateTableCommand, DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'

export interface PaymentsTable {
  name: string
  delete(): Promise<void>
}

export async function createPaymentsTable(client: DynamoDBClient, name: string): Promise<PaymentsTable> {
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
  return {
    name,
    delete: async () => {
      await client.send(new DeleteTableCommand({ TableName: name }))
    },
  }
}
