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
