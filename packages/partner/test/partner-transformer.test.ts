// The partner's item codec (field encryption in production): given to partnerContext, so the
// partner's Db is built with it, or added later by deriving a new Partner; never by writing to the
// readonly partner.db.

import { dynamoClient } from '@dynamorm/client'
import type { AttributeMap, ItemTransformer } from '@dynamorm/core'
import { DynamormError, isDynamormError } from '@dynamorm/core'
import { httpApiEvent, localDynamoClient, type StsServer, startStsServer } from '@dynamorm/testing'
import middy from '@middy/core'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type PartnerContextOptions, type PartnerIdentity, partnerContext } from '../src/index.ts'
import { invoke, platformCredentials, rejectionOf, testPartner } from './fixtures.ts'

const admin = localDynamoClient(inject('dynamoEndpoint'))
const partnerA = testPartner('partner-a', 1)
let sts: StsServer

beforeAll(async () => {
  sts = await startStsServer({ roles: [partnerA] })
})
afterAll(() => sts.close())

/** A codec that does nothing but say which partner it was made for. */
function codecFor(partner: PartnerIdentity): ItemTransformer & { partnerId: string } {
  const same = async (item: AttributeMap) => item
  return { partnerId: partner.id, beforeWrite: same, afterRead: same }
}

function options(transformer: PartnerContextOptions['transformer']): PartnerContextOptions {
  return {
    partners: {
      [partnerA.id]: {
        roleArn: partnerA.roleArn,
        externalId: partnerA.externalId,
        region: 'eu-west-1',
        tablePrefix: 'a-',
        kmsKeyId: 'alias/partner-a',
      },
    },
    stsClientConfig: { endpoint: sts.endpoint, region: 'us-east-1', credentials: platformCredentials },
    transformer,
  }
}

const event = httpApiEvent({ jwtClaims: { partner_id: partnerA.id } })

function handlerWith<Result>(partnerOptions: PartnerContextOptions, body: (context: any) => Promise<Result>) {
  return middy()
    .use(dynamoClient({ client: admin, warmup: false }))
    .use(partnerContext(partnerOptions))
    .handler(async (_event, context) => body(context))
}

describe('partnerContext({ transformer })', () => {
  it("builds the partner's Db with the codec made for that partner, from its identity and credentials", async () => {
    const seen: PartnerIdentity[] = []
    const handler = handlerWith(
      options((partner) => {
        seen.push(partner)
        return codecFor(partner)
      }),
      async (context) => ({
        codec: context.partner.db.options.transformer,
        sharesUnitOfWork: context.partner.db.meter === context.db.meter,
        tableName: context.partner.tableName('payments'),
      }),
    )
    const result = await invoke(handler, event)
    expect(result.codec).toMatchObject({ partnerId: 'partner-a' })
    expect(result.sharesUnitOfWork).toBe(true)
    expect(result.tableName).toBe('a-payments')
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({
      id: 'partner-a',
      accountId: partnerA.accountId,
      region: 'eu-west-1',
      kmsKeyId: 'alias/partner-a',
    })
    // The credentials are the assumed role's, refreshing (what a KMS client signs with).
    const session = await seen[0]!.credentials()
    expect(sts.sessions.at(-1)?.accessKeyId).toBe(session.accessKeyId)

    // Asked again for every request (the codec's own cache decides what to reuse).
    await invoke(handler, event)
    expect(seen).toHaveLength(2)
  })

  it('leaves the Db without a codec when the transformer returns undefined, or none is given', async () => {
    for (const transformer of [() => undefined, undefined]) {
      const handler = handlerWith(
        options(transformer),
        async (context) => context.partner.db.options.transformer,
      )
      expect(await invoke(handler, event)).toBeUndefined()
    }
  })

  it("fails the request with the transformer's own typed error (a partner without a key)", async () => {
    const handler = handlerWith(
      options(() => {
        throw new DynamormError('EncryptionConfigError', 500, 'Partner partner-a has no KMS key')
      }),
      async () => 'handler ran',
    )
    const error = await rejectionOf(invoke(handler, event))
    expect(isDynamormError(error, 'EncryptionConfigError')).toBe(true)
    expect(error.status).toBe(500)
  })
})

describe('partner.withTransformer(codec)', () => {
  it('derives the same partner with the codec on a Db scoped from its own, leaving the original as it was', async () => {
    const handler = handlerWith(options(undefined), async (context) => {
      const { partner } = context
      const derived = partner.withTransformer(codecFor(partner))
      return { partner, derived }
    })
    const { partner, derived } = await invoke(handler, event)
    expect(derived).not.toBe(partner)
    expect(derived.toJSON()).toEqual(partner.toJSON())
    expect(derived.credentials).toBe(partner.credentials)
    expect(derived.db.options.transformer).toMatchObject({ partnerId: 'partner-a' })
    expect(partner.db.options.transformer).toBeUndefined()
    expect(derived.db.client).toBe(partner.db.client)
    expect(derived.db.meter).toBe(partner.db.meter)
    expect(derived.tableName('payments')).toBe('a-payments')
  })
})
