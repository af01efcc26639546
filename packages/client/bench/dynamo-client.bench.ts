// dynamoClient() per request: the middleware's own cost (before + after with nothing queued), and a
// unit of work of three writes committed as one TransactWriteItems against DynamoDB Local. Every
// figure is measured in this run; timings are medians.
import { marshallItem } from '@dynamorm/core'
import { createTestTable, lambdaContext, localDynamoClient, startDynamoDbLocal } from '@dynamorm/testing'
import { dynamoClient } from '../src/index.ts'

type Phase = (request: {
  event: unknown
  context: any
  response: unknown
  error: unknown
  internal: object
}) => unknown

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

const local = await startDynamoDbLocal()
try {
  const client = localDynamoClient(local.endpoint)
  const table = await createTestTable(client, { prefix: 'bench-payments' })
  const middleware = dynamoClient({ client, warmup: false })
  const before = middleware.before as Phase
  const after = middleware.after as Phase

  const overheadUs: number[] = []
  const batch = 100
  for (let round = 0; round < 500; round++) {
    const requests = Array.from({ length: batch }, () => ({
      event: {},
      context: lambdaContext() as any,
      response: undefined,
      error: undefined,
      internal: {},
    }))
    const start = process.hrtime.bigint()
    for (const request of requests) {
      before(request)
      await after(request)
    }
    overheadUs.push(Number(process.hrtime.bigint() - start) / 1e3 / batch)
  }

  const commitMs: number[] = []
  for (let i = 0; i < 200; i++) {
    const request = {
      event: {},
      context: lambdaContext() as any,
      response: undefined,
      error: undefined,
      internal: {},
    }
    before(request)
    for (const part of ['payment', 'audit', 'idempotency']) {
      request.context.db.unitOfWork.add({
        Put: { TableName: table.name, Item: marshallItem({ pk: `${part}#${i}`, sk: 'V1', amount: i }) },
      })
    }
    const start = process.hrtime.bigint()
    await after(request)
    commitMs.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  await table.delete()

  console.log(`BENCH dynamo-client-overhead-us ${median(overheadUs).toFixed(2)} us`)
  console.log(`BENCH unit-of-work-commit-3-writes-ms ${median(commitMs).toFixed(2)} ms`)
} finally {
  await local.stop()
}
