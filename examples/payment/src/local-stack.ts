// The payment API with every AWS service it uses running on this machine: DynamoDB Local (behind a
// counting proxy), the loopback STS and KMS of @dynamorm/testing. The demo, `pnpm dev` and the tests
// all run on it; nothing in the payment code knows it is local: only endpoints differ.
import { randomBytes } from 'node:crypto'
import { type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { KMSClient } from '@aws-sdk/client-kms'
import { createDb, type Db, marshallItem } from '@dynamorm/core'
import { createBeaconKey } from '@dynamorm/encryption'
import { tableRegistry } from '@dynamorm/partner'
import {
  type DynamoDbLocal,
  type DynamoFaultProxy,
  type KmsServer,
  kmsKeyArn,
  localDynamoClient,
  type StsServer,
  startDynamoDbLocal,
  startDynamoFaultProxy,
  startKmsServer,
  startStsServer,
} from '@dynamorm/testing'
import { createPaymentApi, type PaymentApi } from './payment-api.ts'
import { createTables, deleteTables, partnerTables, platformTables, type TableSpec } from './tables.ts'

export interface LocalStackOptions {
  /** Use this running DynamoDB Local (tests) instead of starting one. */
  dynamoEndpoint?: string
  /** Told what is happening while things start (the demo prints it). */
  onProgress?: (message: string) => void
  /** Wraps a slow start (DynamoDB Local's JVM), e.g. to show a ticking progress line. */
  waitFor?: <T>(message: string, task: Promise<T>) => Promise<T>
  /** Prefix of the platform's tables (default 'platform-<random>-', so runs never meet). */
  platformTablePrefix?: string
  /** Where the audit trail's per-request log lines go (default: dropped). */
  logger?: (line: string) => void
}

export interface LocalPartner {
  id: string
  accountId: string
  roleArn: string
  externalId: string
  kmsKeyId: string
  tablePrefix: string
}

export interface LocalStack {
  /** DynamoDB Local itself (for direct, uncounted access such as tampering in the demo). */
  dynamoEndpoint: string
  /** The JVM's pid when this stack started DynamoDB Local (gone after stop()). */
  dynamoPid: number | undefined
  /** The counting proxy every request of the API goes through. */
  proxy: DynamoFaultProxy
  sts: StsServer
  kms: KmsServer
  /** Admin client straight to DynamoDB Local (not counted). */
  client: DynamoDBClient
  api: PaymentApi
  partners: ReadonlyMap<string, LocalPartner>
  /** Prefix of the platform's tables (partner registry, platform audit). */
  platformTablePrefix: string
  /** A registered partner's beacon key (base64 KMS ciphertext), as a deploy would configure it. */
  beaconKey(id: string): string
  /** Onboards a partner: role, KMS key, beacon key, tables and registry entry. */
  registerPartner(id: string): Promise<LocalPartner>
  /** A Db on the partner's tables (its prefix), through the counting proxy. */
  partnerDb(id: string): Db
  stop(): Promise<void>
}

const REGION = 'us-east-1'
const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' }
const silent = (): void => {}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const progress = options.onProgress ?? silent
  const cleanups: Array<() => Promise<unknown> | unknown> = []
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse())
      await Promise.resolve(cleanup()).catch(() => undefined)
  }
  try {
    let dynamoEndpoint = options.dynamoEndpoint
    let dynamoPid: number | undefined
    if (dynamoEndpoint === undefined) {
      const announce = <T>(message: string, task: Promise<T>): Promise<T> => {
        progress(message)
        return task
      }
      const waitFor = options.waitFor ?? announce
      const dynamo: DynamoDbLocal = await waitFor('starting DynamoDB Local (Java)', startDynamoDbLocal())
      cleanups.push(() => dynamo.stop())
      dynamoEndpoint = dynamo.endpoint
      dynamoPid = dynamo.pid
      progress(`DynamoDB Local ready at ${dynamo.endpoint} (pid ${dynamo.pid})`)
    }
    const proxy = await startDynamoFaultProxy(dynamoEndpoint)
    cleanups.push(() => proxy.close())
    const sts = await startStsServer()
    cleanups.push(() => sts.close())
    const kms = await startKmsServer()
    cleanups.push(() => kms.close())
    progress(`loopback STS at ${sts.endpoint}, KMS at ${kms.endpoint}`)

    const client = localDynamoClient(dynamoEndpoint)
    cleanups.push(() => client.destroy())
    const countedClient = localDynamoClient(proxy.endpoint)
    cleanups.push(() => countedClient.destroy())
    const kmsAdmin = new KMSClient({ region: REGION, endpoint: kms.endpoint, credentials: localCredentials })
    cleanups.push(() => kmsAdmin.destroy())

    const platformPrefix = options.platformTablePrefix ?? `platform-${randomBytes(3).toString('hex')}-`
    const tables: TableSpec[] = platformTables(platformPrefix)
    await createTables(client, tables)
    cleanups.push(() => deleteTables(client, tables))
    progress(`platform tables ${tables.map((spec) => spec.input.TableName).join(', ')}`)

    const beaconKeys = new Map<string, string>()
    const beaconKey = (id: string): string => {
      const key = beaconKeys.get(id)
      if (key === undefined) throw new Error(`partner ${id} has no beacon key`)
      return key
    }
    const partners = new Map<string, LocalPartner>()
    const registry = tableRegistry({ table: 'partners', consistentRead: true })
    const api = createPaymentApi({
      partners: registry,
      secret: randomBytes(32).toString('base64url'),
      beaconKey: (partner) => beaconKey(partner.id),
      platformTablePrefix: platformPrefix,
      dynamoClientConfig: { region: REGION, endpoint: proxy.endpoint, credentials: localCredentials },
      partnerDynamoClientConfig: { endpoint: proxy.endpoint },
      stsClientConfig: { region: REGION, endpoint: sts.endpoint, credentials: localCredentials },
      kmsClientConfig: { endpoint: kms.endpoint },
      logger: options.logger ?? silent,
    })

    const registerPartner = async (id: string): Promise<LocalPartner> => {
      const accountId = String(100_000_000_001 + partners.size)
      const partner: LocalPartner = {
        id,
        accountId,
        roleArn: `arn:aws:iam::${accountId}:role/dynamorm-payments`,
        externalId: randomBytes(12).toString('base64url'),
        kmsKeyId: kmsKeyArn(`${id}-payments-key`, accountId),
        tablePrefix: `${id}-`,
      }
      sts.addRole({ roleArn: partner.roleArn, externalId: partner.externalId })
      kms.addKey({ keyId: `${id}-payments-key`, accountId, aliases: [`alias/${id}-payments`] })
      const specs = partnerTables(partner.tablePrefix)
      await createTables(client, specs)
      cleanups.push(() => deleteTables(client, specs))
      beaconKeys.set(id, await createBeaconKey(kmsAdmin, partner.kmsKeyId))
      await client.send(
        new PutItemCommand({
          TableName: `${platformPrefix}partners`,
          Item: marshallItem({
            pk: `PARTNER#${id}`,
            sk: 'PARTNER',
            roleArn: partner.roleArn,
            externalId: partner.externalId,
            region: REGION,
            tablePrefix: partner.tablePrefix,
            kmsKeyId: partner.kmsKeyId,
          }),
        }),
      )
      partners.set(id, partner)
      progress(
        `partner ${id}: account ${accountId}, tables ${specs.map((s) => s.input.TableName).join(', ')}`,
      )
      return partner
    }

    const partnerDb = (id: string): Db => {
      const partner = partners.get(id)
      if (partner === undefined) throw new Error(`unknown partner ${id}`)
      return createDb({ client: countedClient, tableName: partner.tablePrefix })
    }

    return {
      platformTablePrefix: platformPrefix,
      beaconKey,
      dynamoEndpoint,
      dynamoPid,
      proxy,
      sts,
      kms,
      client,
      api,
      partners,
      registerPartner,
      partnerDb,
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}
