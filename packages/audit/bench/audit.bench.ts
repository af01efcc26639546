// Audited requests of one partner, written concurrently by several "containers" (each its own
// auditTrail() instance, requests one after another as Lambda runs them), against a DynamoDB Local
// started here. Compared side by side with the naive alternative: a shared head read before every
// commit on a random one of 4 shards. Then the verifier's speed over the chain written. Every figure
// is measured in this run; rates are medians over rounds.
import {
  CreateTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb'
import { dynamoClient } from '@dynamorm/client'
import { createDb, type Db, isDynamormError, marshallItem } from '@dynamorm/core'
import {
  createTestTable,
  httpApiEvent,
  lambdaContext,
  localDynamoClient,
  startDynamoDbLocal,
} from '@dynamorm/testing'
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import { genesisHash } from '../src/chain-hash.ts'
import { chainWrites } from '../src/chain-writes.ts'
import { auditTableDefinition, auditTrail, verifyAuditChain } from '../src/index.ts'
import { shardLeases } from '../src/shard-lease.ts'
import { HEAD_SORT_KEY, shardPartitionKey } from '../src/table-layout.ts'

const CONTAINERS = 8
const REQUESTS_PER_CONTAINER = 25
const ROUNDS = 7

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

async function createAuditTable(client: DynamoDBClient, name: string) {
  await client.send(new CreateTableCommand(auditTableDefinition(name)))
}

type Entry = (event: unknown, context: Context) => Promise<unknown>

function container(client: DynamoDBClient, auditTable: string, paymentsTable: string): Entry {
  return middy()
    .use(dynamoClient({ client, warmup: false }))
    .use({
      before: (request) => {
        const context = request.context as Context & { db: Db; partner?: unknown }
        context.partner = { id: 'bench-partner', region: 'us-east-1', db: context.db.scoped({}) }
      },
    })
    .use(auditTrail({ table: auditTable, shards: 64, logger: () => {} }))
    .handler((async (_event: unknown, context: any) => {
      const paymentId = context.awsRequestId
      const after = {
        pk: paymentId,
        sk: 'payment',
        status: 'captured',
        amount: 1250,
        card: { number: '4111111111111111' },
      }
      context.partner.db.unitOfWork.add({ Put: { TableName: paymentsTable, Item: marshallItem(after) } })
      context.audit.record({ action: 'capture', entity: 'Payment', key: { paymentId }, after })
      return { statusCode: 201 }
    }) as never) as unknown as Entry
}

const local = await startDynamoDbLocal()
try {
  const client = localDynamoClient(local.endpoint)
  const payments = await createTestTable(client, { prefix: 'bench-payments' })

  // Leased shards (this package).
  const auditTable = `bench-audit-${Date.now()}`
  await createAuditTable(client, auditTable)
  const containers = Array.from({ length: CONTAINERS }, () => container(client, auditTable, payments.name))
  const leaseRates: number[] = []
  let leaseRequests = 0
  let leaseConflicts = 0
  const callsPerRequest: number[] = []
  const leaseRound = async (round: number) => {
    let committed = 0
    const start = process.hrtime.bigint()
    await Promise.all(
      containers.map(async (handler, c) => {
        for (let i = 0; i < REQUESTS_PER_CONTAINER; i++) {
          const context = lambdaContext({ awsRequestId: `r${round}-c${c}-${i}` })
          leaseRequests += 1
          try {
            await handler(httpApiEvent({ method: 'POST', jwtClaims: { sub: 'u' } }), context)
            committed += 1
          } catch (error) {
            if (isDynamormError(error, 'AuditChainConflictError')) leaseConflicts += 1
            else throw error
          }
          if (round > 0) callsPerRequest.push((context as unknown as { db: Db }).db.meter.calls)
        }
      }),
    )
    leaseRates.push(committed / (Number(process.hrtime.bigint() - start) / 1e9))
  }

  // Naive alternative, same load: read the head of a random shard (consistent GetItem) right before
  // the commit, condition the head update on what was read. A lost race cancels the whole request.
  const db = createDb({ client })
  const naiveRun = async (shards: number) => {
    const table = `bench-audit-naive-${shards}-${Date.now()}`
    await createAuditTable(client, table)
    const run = { shards, rates: [] as number[], requests: 0, conflicts: 0 }
    const round = async (r: number) => {
      let committed = 0
      const start = process.hrtime.bigint()
      await Promise.all(
        Array.from({ length: CONTAINERS }, async (_, c) => {
          for (let i = 0; i < REQUESTS_PER_CONTAINER; i++) {
            run.requests += 1
            if (await naiveRequest(table, shards, `n${shards}-${r}-c${c}-${i}`)) committed += 1
            else run.conflicts += 1
          }
        }),
      )
      run.rates.push(committed / (Number(process.hrtime.bigint() - start) / 1e9))
    }
    return { run, round }
  }
  const benchEntry = (paymentId: string) => ({
    v: 1 as const,
    partner: 'bench-partner',
    actor: 'u',
    requestId: paymentId,
    sourceIp: null,
    timestamp: new Date().toISOString(),
    action: 'capture',
    entity: 'Payment',
    key: { paymentId },
    outcome: 'success' as const,
    changes: { status: { after: 'captured' } },
    capacity: { calls: 1, readCapacityUnits: 1, writeCapacityUnits: 0 },
    cost: null,
  })
  const businessPut = (paymentId: string): TransactWriteItem => ({
    Put: {
      TableName: payments.name,
      Item: marshallItem({ pk: paymentId, sk: 'payment', status: 'captured' }),
    },
  })
  const naiveRequest = async (naiveTable: string, shards: number, paymentId: string): Promise<boolean> => {
    const shard = Math.floor(Math.random() * shards)
    const pk = shardPartitionKey('bench-partner', shard)
    const { Item } = await db.send(
      new GetItemCommand({
        TableName: naiveTable,
        Key: { pk: { S: pk }, sk: { S: HEAD_SORT_KEY } },
        ConsistentRead: true,
      }),
    )
    const head = {
      seq: Number(Item?.seq?.N ?? 0),
      hash: Item?.hash?.S ?? genesisHash('bench-partner', shard),
    }
    const { writes } = chainWrites({
      tableName: naiveTable,
      partnerId: 'bench-partner',
      lease: { shard, head, leaseUntil: 0 },
      owner: 'shared',
      entries: [benchEntry(paymentId)],
    })
    const headUpdate = writes.at(-1)!.Update!
    // Shared head: no owner, condition only on what was just read (absent head = first entry).
    headUpdate.ConditionExpression =
      head.seq === 0 ? 'attribute_not_exists(pk)' : '#seq = :expectedSeq AND #hash = :expectedHash'
    headUpdate.ExpressionAttributeNames = { '#seq': 'seq', '#hash': 'hash', '#leaseUntil': 'leaseUntil' }
    delete headUpdate.ExpressionAttributeValues![':owner']
    if (head.seq === 0) {
      delete headUpdate.ExpressionAttributeValues![':expectedSeq']
      delete headUpdate.ExpressionAttributeValues![':expectedHash']
    }
    try {
      await db.send(new TransactWriteItemsCommand({ TransactItems: [businessPut(paymentId), ...writes] }))
      return true
    } catch (error) {
      if (isDynamormError(error, 'TransactionCancelledError')) return false
      throw error
    }
  }
  // The leased strategy with the same bare loop (no Middy, no diff), to compare strategies alone.
  const bareTable = `bench-audit-bare-${Date.now()}`
  await createAuditTable(client, bareTable)
  const bareLeases = Array.from({ length: CONTAINERS }, () => shardLeases(64, 300_000))
  const bare = { rates: [] as number[], requests: 0, conflicts: 0 }
  const bareRound = async (r: number) => {
    let committed = 0
    const start = process.hrtime.bigint()
    await Promise.all(
      bareLeases.map(async (leases, c) => {
        for (let i = 0; i < REQUESTS_PER_CONTAINER; i++) {
          bare.requests += 1
          const paymentId = `b${r}-c${c}-${i}`
          const lease = await leases.acquire(db, bareTable, 'bench-partner')
          const { writes, head } = chainWrites({
            tableName: bareTable,
            partnerId: 'bench-partner',
            lease,
            owner: leases.owner,
            entries: [benchEntry(paymentId)],
          })
          lease.head = head
          try {
            await db.send(
              new TransactWriteItemsCommand({ TransactItems: [businessPut(paymentId), ...writes] }),
            )
            leases.settle(lease, true)
            committed += 1
          } catch (error) {
            leases.settle(lease, false)
            if (isDynamormError(error, 'TransactionCancelledError')) bare.conflicts += 1
            else throw error
          }
        }
      }),
    )
    bare.rates.push(committed / (Number(process.hrtime.bigint() - start) / 1e9))
  }
  const naive4 = await naiveRun(4)
  const naive16 = await naiveRun(16)
  // Rounds interleaved, so load from elsewhere on the machine hits every variant alike.
  for (let round = 0; round < ROUNDS; round++) {
    await leaseRound(round)
    await bareRound(round)
    await naive4.round(round)
    await naive16.round(round)
  }

  // Verification speed over the leased chain written above.
  const verifyRates: number[] = []
  let verified = 0
  for (let round = 0; round < 7; round++) {
    const start = process.hrtime.bigint()
    const report = await verifyAuditChain({
      db: createDb({ client }),
      table: auditTable,
      partnerId: 'bench-partner',
      shards: 64,
    })
    const seconds = Number(process.hrtime.bigint() - start) / 1e9
    if (!report.valid)
      throw new Error(
        `chain written by the bench does not verify: ${JSON.stringify(report.problems.slice(0, 3))}`,
      )
    verified = report.entries
    verifyRates.push(report.entries / seconds)
  }

  const leaseRate = median(leaseRates)
  console.log(
    `# ${CONTAINERS} containers x ${REQUESTS_PER_CONTAINER} requests x ${ROUNDS} interleaved rounds, one partner; verified ${verified} entries`,
  )
  console.log(`BENCH audit-writes-per-s-one-partner ${leaseRate.toFixed(1)} 1/s`)
  console.log(
    `BENCH audit-conflict-rate-leased-shards ${((100 * leaseConflicts) / leaseRequests).toFixed(2)} %`,
  )
  console.log(`BENCH audit-dynamodb-calls-per-request ${median(callsPerRequest)} calls`)
  const bareRate = median(bare.rates)
  console.log(`BENCH audit-committed-per-s-leased-bare ${bareRate.toFixed(1)} 1/s`)
  console.log(
    `BENCH audit-conflict-rate-leased-bare ${((100 * bare.conflicts) / bare.requests).toFixed(2)} %`,
  )
  for (const { run } of [naive4, naive16]) {
    const rate = median(run.rates)
    console.log(`BENCH audit-committed-per-s-read-head-${run.shards}-shards ${rate.toFixed(1)} 1/s`)
    console.log(
      `BENCH audit-conflict-rate-read-head-${run.shards}-shards ${((100 * run.conflicts) / run.requests).toFixed(2)} %`,
    )
    console.log(
      `BENCH audit-leased-vs-read-head-${run.shards}-shards-committed ${(leaseRate / rate).toFixed(2)} x`,
    )
  }
  console.log(`BENCH audit-verify-entries-per-s ${median(verifyRates).toFixed(0)} 1/s`)
} finally {
  await local.stop()
}
