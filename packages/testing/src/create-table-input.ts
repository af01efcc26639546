import type {
  AttributeDefinition,
  CreateTableCommandInput,
  KeySchemaElement,
  Projection,
} from '@aws-sdk/client-dynamodb'
import type { IndexProjection, KeyAttribute, TestTableDefinition } from './test-table-definition.ts'

const defaultPartitionKey: KeyAttribute = { name: 'pk', type: 'S' }
const defaultSortKey: KeyAttribute = { name: 'sk', type: 'S' }

function keySchema(partitionKey: KeyAttribute, sortKey: KeyAttribute | null | undefined): KeySchemaElement[] {
  const schema: KeySchemaElement[] = [{ AttributeName: partitionKey.name, KeyType: 'HASH' }]
  if (sortKey) schema.push({ AttributeName: sortKey.name, KeyType: 'RANGE' })
  return schema
}

function projection(value: IndexProjection = 'ALL'): Projection {
  if (Array.isArray(value)) return { ProjectionType: 'INCLUDE', NonKeyAttributes: value }
  return { ProjectionType: value }
}

/** The CreateTable input for a definition: on-demand billing, each key attribute defined once. */
export function createTableInput(
  tableName: string,
  definition: TestTableDefinition = {},
): CreateTableCommandInput {
  const partitionKey = definition.partitionKey ?? defaultPartitionKey
  const sortKey = definition.sortKey === undefined ? defaultSortKey : definition.sortKey
  const attributes = new Map<string, KeyAttribute>()
  const define = (attribute: KeyAttribute | null | undefined) => {
    if (!attribute) return
    const known = attributes.get(attribute.name)
    if (known && known.type !== attribute.type) {
      throw new Error(
        `Key attribute ${attribute.name} is declared as both ${known.type} and ${attribute.type}`,
      )
    }
    attributes.set(attribute.name, attribute)
  }
  define(partitionKey)
  define(sortKey)
  for (const index of definition.globalIndexes ?? []) {
    define(index.partitionKey)
    define(index.sortKey)
  }
  for (const index of definition.localIndexes ?? []) define(index.sortKey)

  const input: CreateTableCommandInput = {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: keySchema(partitionKey, sortKey),
    AttributeDefinitions: [...attributes.values()].map(
      (attribute): AttributeDefinition => ({ AttributeName: attribute.name, AttributeType: attribute.type }),
    ),
  }
  if (definition.globalIndexes?.length) {
    input.GlobalSecondaryIndexes = definition.globalIndexes.map((index) => ({
      IndexName: index.name,
      KeySchema: keySchema(index.partitionKey, index.sortKey),
      Projection: projection(index.projection),
    }))
  }
  if (definition.localIndexes?.length) {
    input.LocalSecondaryIndexes = definition.localIndexes.map((index) => ({
      IndexName: index.name,
      KeySchema: keySchema(partitionKey, index.sortKey),
      Projection: projection(index.projection),
    }))
  }
  return input
}
