// BENCH lines for @dynamorm/encryption: KMS calls per 1000 encrypted writes (counted by the loopback
// KMS, the writes going to a DynamoDB Local of its own), and median microseconds per field to
// encrypt and decrypt with a warm cache.
import { PutItemCommand } from '@aws-sdk/client-dynamodb'
import { KMSClient } from '@aws-sdk/client-kms'
import type { AttributeMap } from '@dynamorm/core'
import { createTestTable, localDynamoClient, startDynamoDbLocal, startKmsServer } from '@dynamorm/testing'
import { build } from 'esbuild'
import { fieldEncryption } from '../src/index.ts'

const writes = 1000
const samples = 5000

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

const dynamo = await startDynamoDbLocal()
const kmsServer = await startKmsServer({ keys: [{ keyId: 'bench-key' }] })
const kms = new KMSClient({
  region: 'us-east-1',
  endpoint: kmsServer.endpoint,
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
})
const client = localDynamoClient(dynamo.endpoint)
const table = await createTestTable(client, { prefix: 'bench' })

try {
  const encryption = fieldEncryption({ keyId: 'bench-key', kms })
  const encrypted = ['cardNumber', 'bank', 'holder']
  const item = (index: number): AttributeMap => ({
    pk: { S: `PARTNER#p1` },
    sk: { S: `PAYMENT#${index}` },
    amount: { N: '1250' },
    cardNumber: { S: '4111111111111111' },
    bank: { M: { iban: { S: 'DE89370400440532013000' }, bic: { S: 'COBADEFFXXX' } } },
    holder: { S: 'A. Payer' },
  })
  const context = (index: number) => ({
    table: table.name,
    model: 'Payment',
    key: { pk: { S: 'PARTNER#p1' }, sk: { S: `PAYMENT#${index}` } },
    encryptedAttributes: encrypted,
  })

  const before = kmsServer.calls()
  for (let index = 0; index < writes; index++) {
    const sealed = await encryption.beforeWrite(item(index), context(index))
    await client.send(new PutItemCommand({ TableName: table.name, Item: sealed }))
  }
  console.log(`BENCH kms-calls-per-1000-writes ${kmsServer.calls() - before} calls`)

  // Per field, warm cache: one encrypted attribute per call, timed one call at a time.
  const one = {
    table: table.name,
    model: 'Payment',
    key: context(0).key,
    encryptedAttributes: ['cardNumber'],
  }
  const single = { ...context(0).key, cardNumber: { S: '4111111111111111' } }
  const sealedSamples: AttributeMap[] = []
  const encryptTimes: number[] = []
  for (let index = 0; index < samples; index++) {
    const start = process.hrtime.bigint()
    const sealed = await encryption.beforeWrite(single, one)
    encryptTimes.push(Number(process.hrtime.bigint() - start) / 1000)
    if (index < 1000) sealedSamples.push(sealed)
  }
  const decryptTimes: number[] = []
  for (let index = 0; index < samples; index++) {
    const sealed = sealedSamples[index % sealedSamples.length]!
    const start = process.hrtime.bigint()
    await encryption.afterRead(sealed, one)
    decryptTimes.push(Number(process.hrtime.bigint() - start) / 1000)
  }
  console.log(`BENCH encrypt-field-us ${median(encryptTimes).toFixed(2)} us`)
  console.log(`BENCH decrypt-field-us ${median(decryptTimes).toFixed(2)} us`)
  console.log(`# ${samples} samples each; KMS calls in total: ${kmsServer.calls()}`)

  // What a handler bundles for this package (the AWS SDK left external, as on Lambda).
  const bundle = await build({
    entryPoints: [new URL('../src/index.ts', import.meta.url).pathname],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    conditions: ['source'],
    external: ['@aws-sdk/*'],
    write: false,
  })
  console.log(`BENCH bundle-minified-kb ${(bundle.outputFiles[0]!.contents.length / 1024).toFixed(1)} kB`)
} finally {
  await table.delete()
  kms.destroy()
  await kmsServer.close()
  await dynamo.stop()
}
