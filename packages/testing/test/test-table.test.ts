import { randomBytes } from 'node:crypto'
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ListTablesCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { createTableInput } from '../src/create-table-input.ts'
import { createTestTable, deleteTestTable, localDynamoClient } from '../src/index.ts'

const client = localDynamoClient(inject('dynamoEndpoint'))
afterAll(() => client.destroy())

describe('createTestTable', () => {
  it('creates a uniquely named pk/sk table by default, ACTIVE and on demand', async () => {
    const first = await createTestTable(client)
    const second = await createTestTable(client)
    expect(first.name).toMatch(/^test-[0-9a-f]{12}$/)
    expect(second.name).not.toBe(first.name)
    const { Table: table } = await client.send(new DescribeTableCommand({ TableName: first.name }))
    expect(table?.TableStatus).toBe('ACTIVE')
    expect(table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST')
    expect(table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ])
    await first.delete()
    await second.delete()
    await first.delete() // already gone is fine
  })

  it('creates GSIs, LSIs and TTL that work', async () => {
    const table = await createTestTable(client, {
      prefix: 'orders',
      partitionKey: { name: 'id', type: 'S' },
      sortKey: { name: 'version', type: 'N' },
      globalIndexes: [
        {
          name: 'byCustomer',
          partitionKey: { name: 'customer', type: 'S' },
          sortKey: { name: 'createdAt', type: 'N' },
        },
        { name: 'byStatus', partitionKey: { name: 'status', type: 'S' }, projection: 'KEYS_ONLY' },
        { name: 'byEmail', partitionKey: { name: 'email', type: 'S' }, projection: ['customer'] },
      ],
      localIndexes: [{ name: 'byCreatedAt', sortKey: { name: 'createdAt', type: 'N' } }],
      ttlAttribute: 'expiresAt',
    })
    expect(table.name).toMatch(/^orders-/)
    const { Table: description } = await client.send(new DescribeTableCommand({ TableName: table.name }))
    expect(description?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual([
      'byCustomer',
      'byEmail',
      'byStatus',
    ])
    const byEmail = description?.GlobalSecondaryIndexes?.find((index) => index.IndexName === 'byEmail')
    expect(byEmail?.Projection).toEqual({ ProjectionType: 'INCLUDE', NonKeyAttributes: ['customer'] })
    expect(description?.LocalSecondaryIndexes?.[0]?.IndexName).toBe('byCreatedAt')
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: table.name }))
    expect(ttl.TimeToLiveDescription).toMatchObject({
      AttributeName: 'expiresAt',
      TimeToLiveStatus: 'ENABLED',
    })

    await client.send(
      new PutItemCommand({
        TableName: table.name,
        Item: { id: { S: 'o1' }, version: { N: '1' }, customer: { S: 'c1' }, createdAt: { N: '10' } },
      }),
    )
    const found = await client.send(
      new QueryCommand({
        TableName: table.name,
        IndexName: 'byCustomer',
        KeyConditionExpression: 'customer = :c',
        ExpressionAttributeValues: { ':c': { S: 'c1' } },
      }),
    )
    expect(found.Items?.[0]?.id).toEqual({ S: 'o1' })
    await deleteTestTable(client, table.name)
  })

  it('creates a table under the exact name given and refuses a second of that name', async () => {
    // Run-unique, since DynamoDB Local is shared by every test of the run.
    const name = `exact-${randomBytes(4).toString('hex')}-payments`
    const table = await createTestTable(client, { name, ttlAttribute: 'expiresAt' })
    expect(table.name).toBe(name)
    const { Table: description } = await client.send(new DescribeTableCommand({ TableName: name }))
    expect(description?.TableStatus).toBe('ACTIVE')
    expect(description?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ])
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: name }))
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe('expiresAt')
    await expect(createTestTable(client, { name })).rejects.toMatchObject({ name: 'ResourceInUseException' })
    await table.delete()
    await expect(client.send(new DescribeTableCommand({ TableName: name }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    })
  })

  it('refuses a name together with a prefix, before creating anything', async () => {
    const name = `both-${randomBytes(4).toString('hex')}`
    await expect(createTestTable(client, { name, prefix: name })).rejects.toThrow(
      `A test table takes a name or a prefix, not both (name ${name}, prefix ${name})`,
    )
    // Neither the table itself nor one named from the prefix (one page lists every table of the run).
    const { TableNames = [], LastEvaluatedTableName } = await client.send(new ListTablesCommand({}))
    expect(LastEvaluatedTableName).toBeUndefined()
    expect(TableNames.filter((table) => table.startsWith(name))).toEqual([])
  })

  it('supports partition-key-only tables', async () => {
    const table = await createTestTable(client, { sortKey: null, partitionKey: { name: 'key', type: 'B' } })
    const { Table: description } = await client.send(new DescribeTableCommand({ TableName: table.name }))
    expect(description?.KeySchema).toEqual([{ AttributeName: 'key', KeyType: 'HASH' }])
    await table.delete()
  })

  it('rejects one attribute declared with two types', () => {
    expect(() =>
      createTableInput('t-conflict', {
        globalIndexes: [{ name: 'bad', partitionKey: { name: 'sk', type: 'N' } }],
      }),
    ).toThrow(/declared as both S and N/)
  })

  it('passes other DynamoDB errors of delete through', async () => {
    const broken = localDynamoClient('http://127.0.0.1:1', { maxAttempts: 1 })
    await expect(deleteTestTable(broken, 'whatever')).rejects.toThrow()
    broken.destroy()
  })
})
