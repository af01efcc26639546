// Cold start and memory. Bundles the payment create handler (esbuild, minified, SDK external) beside
// (a) a bare AWS SDK handler doing the same DynamoDB writes by hand and (b) the same handler with Middy
// and Powertools idempotency; then, sample after sample, interleaved, starts each in a fresh Node
// process: init = import of the bundle until the runtime would ask for the first event (what Lambda
// reports as Init Duration), then its first invocation against DynamoDB Local (ours also against the
// loopback STS and KMS: it assumes the partner's role and seals the card). Every process is an
// on-demand cold start; ours runs once more as Lambda initialises it for provisioned concurrency
// (`-ours-provisioned`: init ahead of traffic, so dynamoClient warms its connection up at init).
// Every figure printed is measured in this run; medians over BENCH_SAMPLES (default 41) samples.
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { CreateTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb'
import { httpApiEvent, median, ratioInterval } from '@dynamorm/testing'
import { bundleComposition } from '../scripts/bundle-composition.ts'
import { bundleHandler } from '../scripts/bundle-handler.ts'
import { startLocalStack } from '../src/local-stack.ts'

const run = promisify(execFile)
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))
const samples = Number(process.env.BENCH_SAMPLES ?? 41)
const bench = (name: string, value: number, unit: string, digits = 2) =>
  console.log(`BENCH ${name} ${value.toFixed(digits)} ${unit}`)

// The bundles sit beside a node_modules holding only what the Lambda runtime provides (the SDK), as
// /var/runtime/node_modules does: nothing else can be picked up from the workspace.
mkdirSync(here('../dist'), { recursive: true })
const out = mkdtempSync(here('../dist/coldstart-'))
const runtimeModules: Array<[string, string]> = [
  ['@aws-sdk/client-dynamodb', here('../node_modules/@aws-sdk/client-dynamodb')],
  ['@aws-sdk/client-sts', here('../node_modules/@aws-sdk/client-sts')],
  ['@aws-sdk/client-kms', here('../node_modules/@aws-sdk/client-kms')],
  ['@aws-sdk/lib-dynamodb', here('../node_modules/@aws-sdk/lib-dynamodb')],
  // Powertools imports it directly; pnpm keeps it beside lib-dynamodb.
  [
    '@aws-sdk/util-dynamodb',
    join(dirname(realpathSync(here('../node_modules/@aws-sdk/lib-dynamodb'))), 'util-dynamodb'),
  ],
]
for (const [name, source] of runtimeModules) {
  const target = join(out, 'node_modules', name)
  mkdirSync(dirname(target), { recursive: true })
  if (existsSync(source)) symlinkSync(realpathSync(source), target)
}
const stack = await startLocalStack({ onProgress: (message) => console.error(`# ${message}`) })
try {
  const partner = await stack.registerPartner('bench')
  // Its own partner, so its containers lease their own audit shards (a sample's lease outlives its process).
  await stack.registerPartner('bench-provisioned')
  const powertoolsTable = 'bench-powertools-idempotency'
  await stack.client.send(
    new CreateTableCommand({
      TableName: powertoolsTable,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    }),
  )
  await waitUntilTableExists({ client: stack.client, maxWaitTime: 60 }, { TableName: powertoolsTable })

  const handlers = {
    ours: await bundleHandler(here('../src/lambda/create-payment.ts'), join(out, 'ours/index.mjs')),
    bare: await bundleHandler(here('./bare-handler.ts'), join(out, 'bare/index.mjs')),
    powertools: await bundleHandler(here('./powertools-handler.ts'), join(out, 'powertools/index.mjs')),
  }
  const stackBundle = await bundleHandler(here('./stack-entry.ts'), join(out, 'stack/index.mjs'))
  for (const [name, bundle] of Object.entries(handlers))
    console.error(`# ${name} bundle ${(bundle.bytes / 1024).toFixed(1)} KB`)

  // What a Lambda in the platform account would be given; the SDK reads the endpoints from the
  // environment, so the production entry runs unchanged against the local services.
  const env = {
    PATH: process.env.PATH,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_ENDPOINT_URL_DYNAMODB: stack.dynamoEndpoint,
    AWS_ENDPOINT_URL_STS: stack.sts.endpoint,
    AWS_ENDPOINT_URL_KMS: stack.kms.endpoint,
    PAYMENT_API_SECRET: 'coldstart-bench-secret-of-at-least-32-chars',
    PLATFORM_TABLE_PREFIX: stack.platformTablePrefix,
    BEACON_KEYS: JSON.stringify({
      bench: stack.beaconKey('bench'),
      'bench-provisioned': stack.beaconKey('bench-provisioned'),
    }),
    PAYMENTS_TABLE: `${partner.tablePrefix}payments`,
    IDEMPOTENCY_TABLE: `${partner.tablePrefix}idempotency`,
    POWERTOOLS_IDEMPOTENCY_TABLE: powertoolsTable,
  }
  const body = {
    amount: 1250,
    currency: 'EUR',
    card: { number: '4111111111111111', expMonth: 12, expYear: 2030, cvc: '737' },
  }
  const variants = [
    ...Object.entries(handlers).map(([name, bundle]) => ({ name, bundle, partnerId: 'bench', env })),
    {
      name: 'ours-provisioned',
      bundle: handlers.ours,
      partnerId: 'bench-provisioned',
      env: { ...env, AWS_LAMBDA_INITIALIZATION_TYPE: 'provisioned-concurrency' },
    },
  ]
  const results: Record<string, { initMs: number[]; firstMs: number[]; rssMb: number[] }> = {}
  for (let sample = 0; sample < samples; sample++) {
    for (const { name, bundle, partnerId, env } of variants) {
      const event = httpApiEvent({
        method: 'POST',
        path: '/payments',
        body,
        headers: { 'idempotency-key': `cold-${name}-${sample}` },
        jwtClaims: { sub: 'bench', partner_id: partnerId },
      })
      const { stdout } = await run(
        process.execPath,
        [here('./cold-sample.ts'), bundle.outfile, JSON.stringify(event)],
        {
          env,
          maxBuffer: 16 * 1024 * 1024,
        },
      )
      const line = stdout.split('\n').find((text) => text.startsWith('SAMPLE '))
      const measured = JSON.parse(line!.slice('SAMPLE '.length))
      if (measured.status !== 201) throw new Error(`${name} answered ${measured.status} in sample ${sample}`)
      const series = (results[name] ??= { initMs: [], firstMs: [], rssMb: [] })
      series.initMs.push(measured.initMs)
      series.firstMs.push(measured.firstMs)
      series.rssMb.push(measured.rssMb)
    }
  }
  const init = (name: string) => median(results[name]!.initMs)
  const first = (name: string) => median(results[name]!.firstMs)
  // Each ratio with its 95% bootstrap interval over the same samples (resampled by round, since the
  // variants of one round ran back to back): a figure whose interval holds 1 is parity, not a gap.
  for (const baseline of ['bare', 'powertools']) {
    const name = `coldstart-init-vs-${baseline}`
    const interval = ratioInterval(results.ours!.initMs, results[baseline]!.initMs)
    bench(name, interval.ratio, 'x')
    bench(`${name}-ci95-low`, interval.low, 'x')
    bench(`${name}-ci95-high`, interval.high, 'x')
  }
  bench('coldstart-rss-mb', median(results.ours!.rssMb), 'MB', 1)
  bench('stack-bundle-kb', stackBundle.bytes / 1024, 'KB', 1)
  // Where the stack's bytes come from (`pnpm composition` lists the largest files too).
  for (const [name, bytes] of bundleComposition(stackBundle.metafile).packages)
    if (name.startsWith('@'))
      bench(`stack-bundle-kb-${name.replace(/^@/, '').replace('/', '-')}`, bytes / 1024, 'KB', 1)
  const measured = Object.keys(results)
  for (const name of measured) bench(`coldstart-init-ms-${name}`, init(name), 'ms')
  for (const name of measured) bench(`coldstart-first-invoke-ms-${name}`, first(name), 'ms')
  // Init + first invocation: the latency of the request that met the cold start.
  for (const name of measured) bench(`coldstart-total-ms-${name}`, init(name) + first(name), 'ms')
  for (const name of measured) bench(`coldstart-rss-mb-${name}`, median(results[name]!.rssMb), 'MB', 1)
  for (const [name, bundle] of Object.entries(handlers))
    bench(`handler-bundle-kb-${name}`, bundle.bytes / 1024, 'KB', 1)
  console.error(
    `# ${samples} samples each, interleaved; medians. Ours also assumes the partner role (STS), seals the card (KMS), reads the partner registry and writes the audit entry; the baselines do not.`,
  )
} finally {
  await stack.stop()
  rmSync(out, { recursive: true, force: true })
}
