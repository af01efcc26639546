// Shared test wiring (not a test file): a loopback KMS, DynamoDB Local tables, a Db over them.
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { KMSClient, type KMSClientConfig } from '@aws-sdk/client-kms'
import { type AttributeMap, createDb, type Db } from '@dynamorm/core'
import {
  createTestTable,
  type KmsServer,
  localDynamoClient,
  startKmsServer,
  type TestTable,
  type TestTableDefinition,
} from '@dynamorm/testing'
import { afterAll, beforeAll, inject } from 'vitest'

export const KEY_A = '11111111-1111-1111-1111-111111111111'
export const KEY_B = '22222222-2222-2222-2222-222222222222'

export async function startKms(): Promise<KmsServer> {
  return startKmsServer({
    keys: [
      { keyId: KEY_A, aliases: ['alias/payments-a'] },
      { keyId: KEY_B, aliases: ['alias/payments-b'] },
    ],
  })
}

export function kmsClient(kms: KmsServer, config: Partial<KMSClientConfig> = {}): KMSClient {
  return new KMSClient({
    region: 'us-east-1',
    endpoint: kms.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 2,
    ...config,
  })
}

export interface TestDb {
  db: Db
  table: TestTable
}

export async function testDb(definition: TestTableDefinition = {}): Promise<TestDb> {
  const client = localDynamoClient(inject('dynamoEndpoint'))
  const table = await createTestTable(client, { prefix: 'enc', ...definition })
  return { db: createDb({ client }), table }
}

export interface KmsAndTable extends TestDb {
  kms: KmsServer
  /** A KMS client on the loopback KMS (KEY_A and KEY_B exist there). */
  kmsClient: KMSClient
}

/** For a test file: the loopback KMS, a client on it and a table, made before its tests (filled in by beforeAll), removed after. */
export function kmsAndTableForFile(definition: TestTableDefinition = {}): KmsAndTable {
  const local = {} as KmsAndTable
  beforeAll(async () => {
    local.kms = await startKms()
    local.kmsClient = kmsClient(local.kms)
    Object.assign(local, await testDb(definition))
  })
  afterAll(async () => {
    await local.table.delete()
    local.kmsClient.destroy()
    await local.kms.close()
  })
  return local
}

export async function putRaw(db: Db, table: string, item: AttributeMap): Promise<void> {
  await db.send(new PutItemCommand({ TableName: table, Item: item }))
}

export async function getRaw(db: Db, table: string, key: AttributeMap): Promise<AttributeMap | undefined> {
  const output = await db.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))
  return output.Item
}

export const keyOf = (pk: string, sk = 'PAYMENT'): AttributeMap => ({ pk: { S: pk }, sk: { S: sk } })

export function contextFor(table: string, key: AttributeMap, encryptedAttributes: string[]) {
  return { table, model: 'Payment', key, encryptedAttributes }
}

/** Every byte sequence in which `needle` could appear: utf8 text, hex, base64. */
export function leaks(haystack: string, needle: string): boolean {
  const bytes = Buffer.from(needle, 'utf8')
  return [needle, bytes.toString('hex'), bytes.toString('base64')].some((form) => haystack.includes(form))
}
