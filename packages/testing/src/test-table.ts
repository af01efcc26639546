import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb'
import { createTableInput } from './create-table-input.ts'
import type { TestTableDefinition } from './test-table-definition.ts'

export interface TestTable {
  name: string
  delete(): Promise<void>
}

const activeTimeoutMs = 30_000
const activePollMs = 50

/**
 * Creates an on-demand table (named `definition.name`, or uniquely from the prefix), waits until it and its
 * indexes are ACTIVE, enables TTL if asked.
 */
export async function createTestTable(
  client: DynamoDBClient,
  definition: TestTableDefinition = {},
): Promise<TestTable> {
  const name = testTableName(definition)
  await client.send(new CreateTableCommand(createTableInput(name, definition)))
  await waitUntilActive(client, name)
  if (definition.ttlAttribute) {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: name,
        TimeToLiveSpecification: { AttributeName: definition.ttlAttribute, Enabled: true },
      }),
    )
  }
  return { name, delete: () => deleteTestTable(client, name) }
}

/** Deletes a table; a table that is already gone is fine. */
export async function deleteTestTable(client: DynamoDBClient, name: string): Promise<void> {
  try {
    await client.send(new DeleteTableCommand({ TableName: name }))
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error
  }
}

function testTableName({ name, prefix }: TestTableDefinition): string {
  if (name === undefined) return `${prefix ?? 'test'}-${randomBytes(6).toString('hex')}`
  // Honouring one would silently drop the other; refused before anything is created.
  if (prefix !== undefined) {
    throw new Error(`A test table takes a name or a prefix, not both (name ${name}, prefix ${prefix})`)
  }
  return name
}

async function waitUntilActive(client: DynamoDBClient, name: string): Promise<void> {
  const deadline = Date.now() + activeTimeoutMs
  for (;;) {
    const { Table: table } = await client.send(new DescribeTableCommand({ TableName: name }))
    const indexesActive = (table?.GlobalSecondaryIndexes ?? []).every(
      (index) => index.IndexStatus === 'ACTIVE',
    )
    if (table?.TableStatus === 'ACTIVE' && indexesActive) return
    if (Date.now() > deadline)
      throw new Error(`Table ${name} did not become ACTIVE within ${activeTimeoutMs} ms`)
    await sleep(activePollMs)
  }
}
