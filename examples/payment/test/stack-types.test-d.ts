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

  it('refuses a transformer that is not an item codec', () => {
    // @ts-expect-error the encryption options, not the factory's result, is not a transformer
    partnerContext({ partners, transformer: { keyId: 'alias/payments' } })
  })
})
