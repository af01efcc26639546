import { dynamoClient } from '@dynamorm/client'
import { type Partner, partnerContext } from '@dynamorm/partner'
import middy from '@middy/core'
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context, SQSEvent } from 'aws-lambda'
import { describe, expectTypeOf, it } from 'vitest'
import {
  type IdempotencyContext,
  type IdempotencyRecord,
  type IdempotencyRequest,
  idempotency,
  type Reconciliation,
} from '../src/index.ts'

describe('idempotency typing', () => {
  it('types context.idempotency in the handler, without casts', () => {
    middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
      .use(dynamoClient())
      .use(idempotency({ table: 'idempotency' }))
      .handler(async (_event, context) => {
        expectTypeOf(context.idempotency).toEqualTypeOf<IdempotencyRequest>()
        expectTypeOf(context.idempotency.key).toBeString()
        expectTypeOf(context.idempotency.fingerprint).toBeString()
        expectTypeOf(context.idempotency.replayed).toBeBoolean()
        expectTypeOf(context.idempotency.takeover).toEqualTypeOf<IdempotencyRecord | undefined>()
        // @ts-expect-error the request's state is read-only to the handler
        context.idempotency.fingerprint = 'forged'
        return { statusCode: 201 }
      })
  })

  it('composes with partnerContext: partner and idempotency both typed', () => {
    middy<APIGatewayProxyEventV2>()
      .use(dynamoClient())
      .use(partnerContext({ partners: {} }))
      .use(idempotency())
      .handler(async (_event, context) => {
        expectTypeOf(context.partner).toEqualTypeOf<Partner>()
        expectTypeOf(context.idempotency.recordKey).toBeString()
      })
  })

  it('makes context.idempotency optional with required: false', () => {
    middy()
      .use(dynamoClient())
      .use(idempotency({ required: false }))
      .handler(async (_event, context) => {
        expectTypeOf(context.idempotency).toEqualTypeOf<IdempotencyRequest | undefined>()
      })
  })

  it('has no context.idempotency without the middleware', () => {
    middy()
      .use(dynamoClient())
      .handler(async (_event, context) => {
        // @ts-expect-error idempotency is only there after .use(idempotency())
        context.idempotency
      })
  })

  it('types key extractors, payload selectors and operations by the event', () => {
    idempotency<SQSEvent>({
      key: (event, context) => {
        expectTypeOf(event).toEqualTypeOf<SQSEvent>()
        expectTypeOf(context).toEqualTypeOf<Context>()
        return event.Records[0]?.messageId
      },
      payload: (event) => event.Records[0]?.body,
      operation: (_event, context) => context.functionName,
    })
    // @ts-expect-error a key is a string (or undefined / null), not a number
    idempotency<SQSEvent>({ key: (event) => event.Records.length })
    // A field read from parsed JSON may be null: that is "no key", and types as such.
    idempotency<SQSEvent>({
      key: (event) => JSON.parse(event.Records[0]?.body ?? '{}').payoutId as string | null,
    })
    // Inferred from an annotated extractor, no type argument needed.
    idempotency({ key: (event: SQSEvent) => event.Records[0]?.messageId })
  })

  it('refuses extractors that do not return a key, an operation or a decision', () => {
    // @ts-expect-error a key is a string, not the record it was read from
    idempotency<SQSEvent>({ key: (event) => event.Records[0] })
    // @ts-expect-error a key is read synchronously: a promise is not a key
    idempotency<SQSEvent>({ key: async (event) => event.Records[0]?.messageId })
    // @ts-expect-error an operation is a name
    idempotency({ operation: () => 3 })
    // @ts-expect-error reconcile answers asynchronously (it asks the payment provider)
    idempotency({ reconcile: () => 'report' })
  })

  it('refuses a storeResponse rule of the wrong signature', () => {
    type Result = { statusCode: number; body?: string }
    idempotency<APIGatewayProxyEventV2, Result>({ storeResponse: (response) => response.statusCode < 500 })
    // @ts-expect-error the rule answers whether to store: a boolean
    idempotency<APIGatewayProxyEventV2, Result>({ storeResponse: () => 'yes' })
    // @ts-expect-error the rule answers at once: a promise is not a boolean
    idempotency<APIGatewayProxyEventV2, Result>({ storeResponse: async () => true })
    // @ts-expect-error the rule takes the handler's result
    idempotency<APIGatewayProxyEventV2, Result>({ storeResponse: (response: string) => response !== '' })
    idempotency<APIGatewayProxyEventV2, Result>({
      // @ts-expect-error the rule is called with the response alone
      storeResponse: (response: Result, event: APIGatewayProxyEventV2) => event.rawPath !== response.body,
    })
    // @ts-expect-error without the result type the response is unknown: no statusCode to read
    idempotency({ storeResponse: (response) => response.statusCode < 500 })
  })

  it('types reconcile by the result, and its answers', () => {
    idempotency<APIGatewayProxyEventV2, { statusCode: number }>({
      reconcile: async (record) => {
        expectTypeOf(record).toEqualTypeOf<IdempotencyRecord>()
        expectTypeOf(record.status).toEqualTypeOf<'IN_PROGRESS' | 'COMPLETED'>()
        return { complete: { statusCode: 201 } }
      },
      storeResponse: (response) => response.statusCode < 500,
    })
    expectTypeOf<Reconciliation<string>>().toEqualTypeOf<'report' | 'reexecute' | { complete: string }>()
    // @ts-expect-error 'retry' is not a reconciliation
    idempotency({ reconcile: async () => 'retry' })
    // @ts-expect-error the record exposes no owner token
    idempotency({ reconcile: async (record) => (record.owner ? 'report' : 'reexecute') })
  })

  it('rejects options of the wrong type', () => {
    // @ts-expect-error onExpiredLease is 'report' or 'reexecute'
    idempotency({ onExpiredLease: 'retry' })
    // @ts-expect-error leaseMs is a number
    idempotency({ leaseMs: '30s' })
    // @ts-expect-error header is a name, not a list
    idempotency({ header: ['Idempotency-Key'] })
    expectTypeOf<IdempotencyContext>().toEqualTypeOf<{ idempotency: IdempotencyRequest }>()
  })
})
