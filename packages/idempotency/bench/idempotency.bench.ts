// The same payment handler made idempotent by this package and by Powertools' idempotency
// (makeHandlerIdempotent + DynamoDBPersistenceLayer), against one DynamoDB Local started here.
// Prints BENCH lines; every figure is measured in this run (medians over many iterations).
import { fileURLToPath } from 'node:url'
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency'
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb'
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware'
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { dynamoClient } from '@dynamorm/client'
import type { ConsumedCapacityMode } from '@dynamorm/core'
import {
  createTestTable,
  httpApiEvent,
  lambdaContext,
  localDynamoClient,
  median,
  ratioInterval,
  startDynamoDbLocal,
  startDynamoFaultProxy,
} from '@dynamorm/testing'
import middy from '@middy/core'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import { build } from 'esbuild'
import { idempotency } from '../src/index.ts'

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 300)
const WARMUP = 30
const LATENCY_MS = 5
const LATENCY_ITERATIONS = Number(process.env.BENCH_LATENCY_ITERATIONS ?? 60)

type Answer = { statusCode?: number; headers?: Record<string, string> }
type Invoke = (event: unknown, context: unknown) => Promise<Answer>
type Side = 'ours' | 'powertools'

const credentials = { accessKeyId: 'local', secretAccessKey: 'local' }

const tinyHandler = async (event: { body: { amount: number } }) => ({
  statusCode: 201,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ id: 'p-1', amount: event.body.amount }),
})

/** The payment write of the second scenario: a conditional put, so a double charge would fail loudly. */
const paymentPut = (table: string, id: string) => ({
  TableName: table,
  Item: { pk: { S: `PAYMENT#${id}` }, sk: { S: 'V1' }, amount: { N: '100' } },
  ConditionExpression: 'attribute_not_exists(pk)',
})

const paymentEvent = (key: string) =>
  httpApiEvent({
    method: 'POST',
    path: '/payments',
    body: { amount: 100, currency: 'EUR', partnerReference: 'ref-42' },
    headers: { 'idempotency-key': key },
  })

/**
 * Wired as in production: body parser, dynamoClient, idempotency. `consumedCapacity: 'NONE'` is the
 * equal-work variant: Powertools asks DynamoDB for no consumed capacity, our default asks per index.
 */
function ours(
  tableName: string,
  endpoint: string,
  paymentsTable?: string,
  consumedCapacity?: ConsumedCapacityMode,
): Invoke {
  return middy()
    .use(httpJsonBodyParser())
    .use(dynamoClient({ client: localDynamoClient(endpoint), warmup: false, consumedCapacity }))
    .use(idempotency({ table: tableName }))
    .handler((async (event: never, context: any) => {
      // The payment joins the unit of work: it commits with the completion in one transaction.
      if (paymentsTable) context.db.unitOfWork.add({ Put: paymentPut(paymentsTable, context.awsRequestId) })
      return tinyHandler(event)
    }) as never) as unknown as Invoke
}

/** Key from the same header, payload validation on the same body. */
function powertools(tableName: string, endpoint: string, paymentsTable?: string): Invoke {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials })
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName,
    clientConfig: { endpoint, region: 'us-east-1', credentials },
  })
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'headers."idempotency-key"',
    payloadValidationJmesPath: 'body',
  })
  return middy()
    .use(httpJsonBodyParser())
    .use(makeHandlerIdempotent({ persistenceStore, config }))
    .handler((async (event: never, context: { awsRequestId: string }) => {
      // Powertools has no unit of work: the payment is its own call, between lock and completion.
      if (paymentsTable)
        await client.send(new PutItemCommand(paymentPut(paymentsTable, context.awsRequestId)))
      return tinyHandler(event)
    }) as never) as unknown as Invoke
}

/** One first request and one duplicate (replayed), both checked, timed separately. */
async function pair(invoke: Invoke, key: string): Promise<{ first: number; replay: number }> {
  const started = performance.now()
  const first = await invoke(paymentEvent(key), lambdaContext())
  const firstDone = performance.now()
  const replay = await invoke(paymentEvent(key), lambdaContext())
  const replayDone = performance.now()
  if (first?.statusCode !== 201 || replay?.statusCode !== 201) {
    throw new Error(`unexpected answers: ${JSON.stringify({ first, replay })}`)
  }
  return { first: firstDone - started, replay: replayDone - firstDone }
}

/** Medians of first request, replay, and first + replay; both sides interleaved in one loop. */
async function compare(sides: Record<Side, Invoke>, iterations = ITERATIONS) {
  const samples = {
    ours: { first: [] as number[], replay: [] as number[] },
    powertools: { first: [] as number[], replay: [] as number[] },
  }
  // Alternating which side goes first, so both see the same machine load and DynamoDB Local state.
  const warmup = Math.min(WARMUP, iterations)
  for (let index = 0; index < warmup + iterations; index++) {
    for (const side of index % 2 ? (['ours', 'powertools'] as const) : (['powertools', 'ours'] as const)) {
      const timing = await pair(sides[side], `${side}-${index}-${Date.now()}`)
      if (index >= warmup) {
        samples[side].first.push(timing.first)
        samples[side].replay.push(timing.replay)
      }
    }
  }
  const totals = (side: Side) => samples[side].first.map((first, i) => first + samples[side].replay[i]!)
  const summary = (side: Side) => ({
    first: median(samples[side].first),
    replay: median(samples[side].replay),
    total: median(totals(side)),
  })
  // Powertools time / ours per first + replay pair, with how far it moves when the rounds are resampled.
  const speedup = ratioInterval(totals('powertools'), totals('ours'))
  return { ours: summary('ours'), powertools: summary('powertools'), speedup }
}

/** The speedup line and its 95% bootstrap interval (the same rounds resampled): noise vs. a real gap. */
function printSpeedup(name: string, speedup: { ratio: number; low: number; high: number }) {
  console.log(`BENCH ${name} ${speedup.ratio.toFixed(2)} x`)
  console.log(`BENCH ${name}-ci95-low ${speedup.low.toFixed(2)} x`)
  console.log(`BENCH ${name}-ci95-high ${speedup.high.toFixed(2)} x`)
}

/** DynamoDB calls of a first request and of its replay, by operation, counted by the fault proxy. */
async function roundTrips(endpoint: string, makeHandler: (endpoint: string) => Invoke) {
  const proxy = await startDynamoFaultProxy(endpoint)
  const operations = ['PutItem', 'UpdateItem', 'DeleteItem', 'GetItem', 'TransactWriteItems']
  const count = () => Object.fromEntries(operations.map((operation) => [operation, proxy.calls(operation)]))
  try {
    const handler = makeHandler(proxy.endpoint)
    const key = `roundtrips-${Date.now()}`
    await handler(paymentEvent(key), lambdaContext())
    const first = proxy.calls()
    const firstByOperation = count()
    const replayed = await handler(paymentEvent(key), lambdaContext())
    if (replayed.statusCode !== 201) throw new Error('the duplicate was not answered')
    return { first, replay: proxy.calls() - first, firstByOperation }
  } finally {
    await proxy.close()
  }
}

async function bundleKb(entry: string): Promise<number> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(`./bundle-entries/${entry}`, import.meta.url))],
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    external: ['@aws-sdk/*', '@smithy/*'],
    conditions: ['source'],
    write: false,
    logLevel: 'silent',
  })
  return result.outputFiles[0]!.contents.byteLength / 1024
}

const local = await startDynamoDbLocal()
try {
  const admin = localDynamoClient(local.endpoint)
  const ourTable = await createTestTable(admin, {
    prefix: 'bench-idem',
    sortKey: null,
    ttlAttribute: 'expiresAt',
  })
  const theirTable = await createTestTable(admin, {
    prefix: 'bench-powertools',
    partitionKey: { name: 'id', type: 'S' },
    sortKey: null,
    ttlAttribute: 'expiration',
  })
  const paymentsTable = await createTestTable(admin, { prefix: 'bench-payments' })

  const trips = await roundTrips(local.endpoint, (endpoint) => ours(ourTable.name, endpoint))
  console.log(`BENCH idempotency-roundtrips-first ${trips.first} calls`)
  console.log(`BENCH idempotency-roundtrips-replay ${trips.replay} calls`)
  const theirTrips = await roundTrips(local.endpoint, (endpoint) => powertools(theirTable.name, endpoint))
  console.log(`BENCH idempotency-roundtrips-first-powertools ${theirTrips.first} calls`)
  console.log(`BENCH idempotency-roundtrips-replay-powertools ${theirTrips.replay} calls`)
  console.error(
    `# calls of a first request: ours ${JSON.stringify(trips.firstByOperation)}, Powertools ${JSON.stringify(theirTrips.firstByOperation)}`,
  )

  // The comparison: the same tiny handler (no writes of its own) on both sides.
  const tiny = await compare({
    ours: ours(ourTable.name, local.endpoint),
    powertools: powertools(theirTable.name, local.endpoint),
  })
  console.log(`BENCH idempotency-first-ms ${tiny.ours.first.toFixed(3)} ms`)
  console.log(`BENCH idempotency-replay-ms ${tiny.ours.replay.toFixed(3)} ms`)
  console.log(`BENCH idempotency-powertools-first-ms ${tiny.powertools.first.toFixed(3)} ms`)
  console.log(`BENCH idempotency-powertools-replay-ms ${tiny.powertools.replay.toFixed(3)} ms`)
  printSpeedup('idempotency-speedup-vs-powertools', tiny.speedup)
  console.log(
    `BENCH idempotency-replay-speedup-vs-powertools ${(tiny.powertools.replay / tiny.ours.replay).toFixed(2)} x`,
  )

  // The same comparison with the same DynamoDB work on both sides: our capacity accounting off
  // (dynamoClient({ consumedCapacity: 'NONE' })), since Powertools asks for none.
  const equalWork = await compare({
    ours: ours(ourTable.name, local.endpoint, undefined, 'NONE'),
    powertools: powertools(theirTable.name, local.endpoint),
  })
  printSpeedup('idempotency-speedup-vs-powertools-no-capacity', equalWork.speedup)

  // A handler that writes one payment: ours commits it with the completion (2 calls in all),
  // Powertools needs lock + write + completion (3 calls).
  const paying = await compare({
    ours: ours(ourTable.name, local.endpoint, paymentsTable.name),
    powertools: powertools(theirTable.name, local.endpoint, paymentsTable.name),
  })
  console.log(`BENCH idempotency-payment-first-ms ${paying.ours.first.toFixed(3)} ms`)
  console.log(`BENCH idempotency-powertools-payment-first-ms ${paying.powertools.first.toFixed(3)} ms`)
  printSpeedup('idempotency-payment-speedup-vs-powertools', paying.speedup)

  // Lambda to DynamoDB is a few milliseconds per call, not DynamoDB Local's loopback: both sides again,
  // every call delayed 5 ms by the fault proxy, so round trips weigh what they weigh in production.
  const delayed = await startDynamoFaultProxy(local.endpoint)
  try {
    delayed.faults.set({ latencyMs: LATENCY_MS })
    const slowTiny = await compare(
      {
        ours: ours(ourTable.name, delayed.endpoint),
        powertools: powertools(theirTable.name, delayed.endpoint),
      },
      LATENCY_ITERATIONS,
    )
    printSpeedup(`idempotency-speedup-vs-powertools-${LATENCY_MS}ms-rtt`, slowTiny.speedup)
    const slowPaying = await compare(
      {
        ours: ours(ourTable.name, delayed.endpoint, paymentsTable.name),
        powertools: powertools(theirTable.name, delayed.endpoint, paymentsTable.name),
      },
      LATENCY_ITERATIONS,
    )
    console.log(
      `BENCH idempotency-payment-first-ms-${LATENCY_MS}ms-rtt ${slowPaying.ours.first.toFixed(3)} ms`,
    )
    console.log(
      `BENCH idempotency-powertools-payment-first-ms-${LATENCY_MS}ms-rtt ${slowPaying.powertools.first.toFixed(3)} ms`,
    )
    printSpeedup(`idempotency-payment-speedup-vs-powertools-${LATENCY_MS}ms-rtt`, slowPaying.speedup)
  } finally {
    await delayed.close()
  }

  console.log(`BENCH idempotency-bundle-kb ${(await bundleKb('dynamorm-handler.ts')).toFixed(1)} KB`)
  console.log(
    `BENCH idempotency-bundle-kb-powertools ${(await bundleKb('powertools-handler.ts')).toFixed(1)} KB`,
  )

  await ourTable.delete()
  await theirTable.delete()
  await paymentsTable.delete()
} finally {
  await local.stop()
}
