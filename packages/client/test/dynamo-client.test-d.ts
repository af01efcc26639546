import type { Db } from '@dynamorm/core'
import middy from '@middy/core'
import type { APIGatewayProxyEventV2 } from 'aws-lambda'
import { describe, expectTypeOf, it } from 'vitest'
import { type DynamoClientContext, dynamoClient } from '../src/index.ts'

describe('dynamoClient typing', () => {
  it('types context.db as a Db in the handler, without casts', () => {
    middy<APIGatewayProxyEventV2>()
      .use(dynamoClient())
      .handler(async (event, context) => {
        expectTypeOf(context.db).toEqualTypeOf<Db>()
        expectTypeOf(event.rawPath).toBeString()
        expectTypeOf(context.awsRequestId).toBeString()
      })
  })

  it('has no context.db without the middleware', () => {
    middy().handler(async (_event, context) => {
      // @ts-expect-error db is only there after .use(dynamoClient())
      context.db
    })
  })

  it('has no context.partner without partnerContext', () => {
    middy()
      .use(dynamoClient())
      .handler(async (_event, context) => {
        // @ts-expect-error partner is only there after .use(partnerContext(...))
        context.partner
      })
  })

  it('rejects options of the wrong type', () => {
    // @ts-expect-error maxAttempts is a number
    dynamoClient({ maxAttempts: '3' })
    // @ts-expect-error retryMode is 'standard' or 'adaptive'
    dynamoClient({ retryMode: 'legacy' })
    expectTypeOf<DynamoClientContext>().toEqualTypeOf<{ db: Db }>()
  })
})
