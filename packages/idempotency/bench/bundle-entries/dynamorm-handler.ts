// What a Lambda ships for an idempotent handler with this package: middy + idempotency().
import middy from '@middy/core'
import { idempotency } from '../../src/index.ts'

export const handler = middy()
  .use(idempotency({ table: 'idempotency' }))
  .handler(async () => ({ statusCode: 201, body: '{"id":"p-1"}' }))
