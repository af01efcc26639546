// Baseline (a): the same DynamoDB writes by hand with the bare AWS SDK, no middleware: a conditional
// PutItem of the idempotency lock, then one TransactWriteItems of the payment and the completion.
// Bundled and cold-started by coldstart.bench.ts; tables and endpoint come from the environment.
import { randomUUID } from 'node:crypto'
import { DynamoDBClient, PutItemCommand, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb'

const client = new DynamoDBClient({})
const payments = process.env.PAYMENTS_TABLE!
const locks = process.env.IDEMPOTENCY_TABLE!

export async function handler(event: { body?: string; headers?: Record<string, string> }) {
  const key = event.headers?.['idempotency-key']
  if (!key) return { statusCode: 400, body: '{"error":"missing key"}' }
  let body: { amount?: unknown; currency?: unknown }
  try {
    body = JSON.parse(event.body ?? '')
  } catch {
    return { statusCode: 400, body: '{"error":"malformed"}' }
  }
  if (typeof body.amount !== 'number' || body.amount <= 0)
    return { statusCode: 400, body: '{"error":"amount"}' }
  const now = Math.floor(Date.now() / 1000)
  const owner = randomUUID()
  try {
    await client.send(
      new PutItemCommand({
        TableName: locks,
        Item: {
          pk: { S: `bare#POST /payments#${key}` },
          status: { S: 'IN_PROGRESS' },
          ownerToken: { S: owner },
          expiresAt: { N: String(now + 86_400) },
        },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
        ExpressionAttributeValues: { ':now': { N: String(now) } },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    )
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') return { statusCode: 409, body: '{}' }
    throw error
  }
  const id = `pay_${randomUUID()}`
  const response = JSON.stringify({ id, status: 'authorized', amount: body.amount, currency: body.currency })
  await client.send(
    new TransactWriteItemsCommand({
      TransactItems: [
        {
          Put: {
            TableName: payments,
            Item: {
              pk: { S: `PAYMENT#${id}` },
              sk: { S: 'PAYMENT' },
              id: { S: id },
              status: { S: 'authorized' },
              amount: { N: String(body.amount) },
              currency: { S: String(body.currency) },
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Update: {
            TableName: locks,
            Key: { pk: { S: `bare#POST /payments#${key}` } },
            UpdateExpression: 'SET #status = :done, #response = :response',
            ConditionExpression: 'ownerToken = :owner',
            ExpressionAttributeNames: { '#status': 'status', '#response': 'response' },
            ExpressionAttributeValues: {
              ':done': { S: 'COMPLETED' },
              ':response': { S: response },
              ':owner': { S: owner },
            },
          },
        },
      ],
    }),
  )
  return { statusCode: 201, headers: { 'content-type': 'application/json' }, body: response }
}
