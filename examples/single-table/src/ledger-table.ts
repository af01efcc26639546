// The one table every entity lives in: generic key names (pk/sk, gsiNpk/gsiNsk) so entities can
// overload them. In production this is CloudFormation / SAM.
import { CreateTableCommand, DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'

export interface LedgerTable {
  name: string
  delete(): Promise<void>
}

const INDEXES = ['gsi1', 'gsi2', 'gsi3'] as const

export async function createLedgerTable(client: DynamoDBClient, name: string): Promise<LedgerTable> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: ['pk', 'sk', ...INDEXES.flatMap((index) => [`${index}pk`, `${index}sk`])].map(
        (attribute) => ({ AttributeName: attribute, AttributeType: 'S' }),
      ),
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: INDEXES.map((index) => ({
        IndexName: index,
        KeySchema: [
          { AttributeName: `${index}pk`, KeyType: 'HASH' },
          { AttributeName: `${index}sk`, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      })),
    }),
  )
  return {
    name,
    delete: async () => {
      await client.send(new DeleteTableCommand({ TableName: name }))
    },
  }
}
