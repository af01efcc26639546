// The stack the example builds, typed through middy().use(...) without casts: field encryption is
// given to partnerContext, so context.partner.db is the partner's Db with its codec.
import { auditTrail } from '@dynamorm/audit'
import { dynamoClient } from '@dynamorm/client'
import type { Db, ItemTransformer } from '@dynamorm/core'
import { type FieldEncryption, partnerFieldEncryption } from '@dynamorm/encryption'
import { idempotency } from '@dynamorm/idempotency'
import { type Partner, partnerContext } from '@dynamorm/partner'
import middy from '@middy/core'
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda'
import { describe, expectTypeOf, it } from 'vitest'
import { Payment } from '../src/payment-model.ts'

const partners = {
  acme: { roleArn: 'arn:aws:iam::123456789012:role/dynamorm-payments', region: 'eu-west-1' },
}

describe('payment stack typing', () => {
  it('types every context field through .use() with field encryption given to partnerContext', () => {
    const encryptionFor = partnerFieldEncryption({ keyId: 'alias/payments' })
    middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
      .use(dynamoClient())
      .use(partnerContext({ partners, transformer: encryptionFor }))
      .use(idempotency())
      .use(auditTrail())
      .handler(async (_event, context) => {
        expectTypeOf(context.db).toEqualTypeOf<Db>()
        expectTypeOf(context.partner).toEqualTypeOf<Partner>()
        expectTypeOf(context.partner.db).toEqualTypeOf<Db>()
        expectTypeOf(encryptionFor(context.partner)).toEqualTypeOf<FieldEncryption>()
        expectTypeOf(context.partner.db.options.transformer).toEqualTypeOf<ItemTransformer | undefined>()
        expectTypeOf(context.audit.record).toBeFunction()
        return { statusCode: 201, body: '{}' }
      })
  })

  it("refuses a payment handler's mistakes at compile time", () => {
    middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
      .use(dynamoClient())
      .use(partnerContext({ partners }))
      .use(idempotency())
      .use(auditTrail())
      .handler(async (_event, context) => {
        const payments = context.partner.db.model(Payment)
        const key = { id: 'pay_1' }
        // @ts-expect-error the key is the payment id; paymentId names a refund's parent
        await payments.get({ paymentId: 'pay_1' })
        // @ts-expect-error the byStatus index needs the status
        await payments.query({ id: 'pay_1' }, { index: 'byStatus' })
        const captured = { status: 'captured' } as const
        // @ts-expect-error the card number is sealed: DynamoDB cannot compare it (look it up by its beacon)
        await payments.query(captured, { index: 'byStatus', filter: (c) => c.eq('cardNumber', '4111') })
        // @ts-expect-error the card number is sealed: it cannot be projected
        await payments.get(key, { projection: ['cardNumber', 'amount'] })
        // @ts-expect-error settled is not a payment status
        await payments.update(key, { set: { status: 'settled' } }, { expectedVersion: 1 })
        // @ts-expect-error the version moves only through expectedVersion
        await payments.update(key, { set: { version: 2 } })
        // @ts-expect-error the card's last four digits and brand are required
        await payments.create({
          id: 'pay_2',
          status: 'authorized',
          amount: 100,
          currency: 'EUR',
          cardNumber: '4111',
          cardExpiry: '12/30',
        })
        // @ts-expect-error an audit record names its entity
        context.audit.record({ action: 'capture', key })
        return { statusCode: 200, body: '{}' }
      })
  })

  it('has no context.partner, context.idempotency or context.audit without their middleware', () => {
    middy<APIGatewayProxyEventV2, APIGatewayProxyResultV2>()
      .use(dynamoClient())
      .handler(async (_event, context) => {
        // @ts-expect-error partner is only there after .use(partnerContext(...))
        context.partner.db.model(Payment)
        // @ts-expect-error idempotency is only there after .use(idempotency())
        context.idempotency.key
        // @ts-expect-error audit is only there after .use(auditTrail())
        context.audit.record({ action: 'capture', entity: 'Payment', key: { id: 'pay_1' } })
        return { statusCode: 200, body: '{}' }
      })
  })

  it('refuses a transformer that is not an item codec', () => {
    // @ts-expect-error the encryption options, not the factory's result, is not a transformer
    partnerContext({ partners, transformer: { keyId: 'alias/payments' } })
  })
})
