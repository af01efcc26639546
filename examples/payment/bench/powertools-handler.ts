// Baseline (b): the same payment write with Middy and Powertools idempotency (makeHandlerIdempotent,
// DynamoDB persistence), as its documentation shows it. Bundled and cold-started by coldstart.bench.ts.

import { randomUUID } from 'node:crypto'
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency'
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb'
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware'
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb'
import middy from '@middy/core'
import httpJsonBodyParser from '@middy/http-json-body-parser'

const client = new DynamoDBClient({})
const payments = process.env.PAYMENTS_TABLE!
const persistenceStore = new DynamoDBPersistenceLayer({
  tableName: process.env.POWERTOOLS_IDEMPOTENCY_TABLE!,
})
const config = new IdempotencyConfig({
  eventKeyJmesPath: 'headers."idempotency-key"',
  payloadValidationJmesPath: 'body',
})

export const handler = middy()
  .use(httpJsonBodyParser())
  .use(makeHandlerIdempotent({ persistenceStore, config }))
  .handler(async (event) => {
    const { amount, currency } = event.body as unknown as { amount?: unknown; currency?: unknown }
    if (typeof amount !== 'number' || amount <= 0) return { statusCode: 400, body: '{"error":"amount"}' }
    const id = `pay_${randomUUID()}`
    await client.send(
      new PutItemCommand({
        TableName: payments,
        Item: {
          pk: { S: `PAYMENT#${id}` },
          sk: { S: 'PAYMENT' },
          id: { S: id },
          status: { S: 'authorized' },
          amount: { N: String(amount) },
          currency: { S: String(currency) },
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    )
    return {
      statusCode: 201,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id, status: 'authorized', amount, currency }),
    }
  })
