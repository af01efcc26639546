// DynamoDB that cannot be reached (a name that does not resolve, a port nobody listens on) is a typed,
// retryable 503, whatever the network layer's error code.
import { GetItemCommand } from '@aws-sdk/client-dynamodb'
import { findFreePort, localDynamoClient } from '@dynamorm/testing'
import { describe, expect, it } from 'vitest'
import { createDb, isDynamormError, marshallItem } from '../src/index.ts'

const get = new GetItemCommand({ TableName: 'payments', Key: marshallItem({ pk: 'x', sk: 'y' }) })

describe('an unreachable DynamoDB', () => {
  it.each([
    ['a host name that does not resolve', async () => 'http://dynamodb.invalid:8000'],
    ['a port nobody listens on', async () => `http://127.0.0.1:${await findFreePort()}`],
  ])('is a ServiceUnavailableError (503) for %s', async (_case, endpoint) => {
    const db = createDb({ client: localDynamoClient(await endpoint(), { maxAttempts: 1 }) })
    const error = await db.send(get).catch((e: unknown) => e)
    expect(isDynamormError(error, 'ServiceUnavailableError')).toBe(true)
    expect((error as { status: number }).status).toBe(503)
  })
})
