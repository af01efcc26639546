// The tables, as CreateTable inputs: the same definitions partner-account.yaml declares for AWS.
// Per partner (in the partner's account, names prefixed `<partner>-`): payments (with the status and
// card-beacon indexes), idempotency (TTL expiresAt) and audit. In the platform's account: the partner
// registry and an audit table for requests that failed before a partner was known.
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb'
import { auditTableDefinition } from '@dynamorm/audit'
import { CARD_BEACON_ATTRIBUTE, CARD_INDEX } from './payment-model.ts'

export interface TableSpec {
  input: CreateTableCommandInput
  /** TTL attribute to enable after creation (DynamoDB sets TTL in a separate call). */
  ttlAttribute?: string
}

const keyed = (
  name: string,
  ...more: Array<[string, 'S' | 'B']>
): Pick<CreateTableCommandInput, 'TableName' | 'BillingMode' | 'AttributeDefinitions' | 'KeySchema'> => ({
  TableName: name,
  BillingMode: 'PAY_PER_REQUEST',
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' },
    { AttributeName: 'sk', AttributeType: 'S' },
    ...more.map(([AttributeName, AttributeType]) => ({ AttributeName, AttributeType })),
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' },
  ],
})

export function paymentsTable(name: string): TableSpec {
  return {
    input: {
      ...keyed(name, ['byStatuspk', 'S'], ['byStatussk', 'S'], [CARD_BEACON_ATTRIBUTE, 'B']),
      GlobalSecondaryIndexes: [
        {
          IndexName: 'byStatus',
          KeySchema: [
            { AttributeName: 'byStatuspk', KeyType: 'HASH' },
            { AttributeName: 'byStatussk', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          // Only clear attributes: the card search never needs (or decrypts) the sealed ones.
          IndexName: CARD_INDEX,
          KeySchema: [
            { AttributeName: CARD_BEACON_ATTRIBUTE, KeyType: 'HASH' },
            { AttributeName: 'pk', KeyType: 'RANGE' },
          ],
          Projection: {
            ProjectionType: 'INCLUDE',
            NonKeyAttributes: ['id', 'status', 'amount', 'currency', 'cardLast4', 'cardBrand', 'createdAt'],
          },
        },
      ],
    },
  }
}

export function idempotencyTable(name: string): TableSpec {
  return {
    input: {
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    },
    ttlAttribute: 'expiresAt',
  }
}

export function auditTable(name: string): TableSpec {
  return { input: auditTableDefinition(name) }
}

export function registryTable(name: string): TableSpec {
  return { input: keyed(name) }
}

/** A partner's tables, named with its prefix. */
export function partnerTables(prefix: string): TableSpec[] {
  return [
    paymentsTable(`${prefix}payments`),
    idempotencyTable(`${prefix}idempotency`),
    auditTable(`${prefix}audit`),
  ]
}

/** The platform account's tables. */
export function platformTables(prefix: string): TableSpec[] {
  return [registryTable(`${prefix}partners`), auditTable(`${prefix}audit`)]
}

export async function createTables(client: DynamoDBClient, specs: TableSpec[]): Promise<void> {
  await Promise.all(
    specs.map(async (spec) => {
      await client.send(new CreateTableCommand(spec.input))
      await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: spec.input.TableName! })
      if (spec.ttlAttribute !== undefined) {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: spec.input.TableName!,
            TimeToLiveSpecification: { AttributeName: spec.ttlAttribute, Enabled: true },
          }),
        )
      }
    }),
  )
}

export async function deleteTables(client: DynamoDBClient, specs: TableSpec[]): Promise<void> {
  await Promise.all(
    specs.map((spec) =>
      client.send(new DeleteTableCommand({ TableName: spec.input.TableName! })).catch(() => undefined),
    ),
  )
}
