// The same handler with Powertools: middy + makeHandlerIdempotent + the DynamoDB persistence layer.
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency'
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb'
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware'
import middy from '@middy/core'

const persistenceStore = new DynamoDBPersistenceLayer({ tableName: 'idempotency' })
const config = new IdempotencyConfig({
  eventKeyJmesPath: 'headers."idempotency-key"',
  payloadValidationJmesPath: 'body',
})

export const handler = middy()
  .use(makeHandlerIdempotent({ persistenceStore, config }))
  .handler(async () => ({ statusCode: 201, body: '{"id":"p-1"}' }))
