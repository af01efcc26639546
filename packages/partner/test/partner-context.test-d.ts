import { dynamoClient } from '@dynamorm/client'
import type { Db, ItemTransformer } from '@dynamorm/core'
import middy from '@middy/core'
import { describe, expectTypeOf, it } from 'vitest'
import {
  type Partner,
  type PartnerCredentialsProvider,
  type PartnerIdentity,
  type PartnerRegistry,
  partnerContext,
} from '../src/index.ts'

const partners = { 'partner-a': { roleArn: 'arn:aws:iam::123456789012:role/x', region: 'eu-west-1' } }

describe('partnerContext typing', () => {
  it('types context.partner and keeps context.db', () => {
    middy()
      .use(dynamoClient())
      .use(partnerContext({ partners }))
      .handler(async (_event, context) => {
        expectTypeOf(context.partner).toEqualTypeOf<Partner>()
        expectTypeOf(context.partner.db).toEqualTypeOf<Db>()
        expectTypeOf(context.db).toEqualTypeOf<Db>()
        expectTypeOf(context.partner.id).toBeString()
        expectTypeOf(context.partner.accountId).toBeString()
        expectTypeOf(context.partner.kmsKeyId).toEqualTypeOf<string | undefined>()
        expectTypeOf(context.partner.tableName).toEqualTypeOf<(logicalName: string) => string>()
        expectTypeOf(context.partner.credentials).toEqualTypeOf<PartnerCredentialsProvider>()
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

  it('takes a transformer made from the partner identity', () => {
    partnerContext({
      partners,
      transformer: (partner) => {
        expectTypeOf(partner).toEqualTypeOf<PartnerIdentity>()
        expectTypeOf(partner.credentials).toEqualTypeOf<PartnerCredentialsProvider>()
        return partner.kmsKeyId === undefined ? undefined : ({} as ItemTransformer)
      },
    })
    // @ts-expect-error a transformer returns an ItemTransformer (or undefined), not a string
    partnerContext({ partners, transformer: () => 'codec' })
    middy()
      .use(dynamoClient())
      .use(partnerContext({ partners, transformer: () => ({}) as ItemTransformer }))
      .handler(async (_event, context) => {
        expectTypeOf(context.partner.withTransformer({} as ItemTransformer)).toEqualTypeOf<Partner>()
        // @ts-expect-error partner.db is readonly: derive a partner with withTransformer instead
        context.partner.db = context.db
      })
  })

  it('rejects bad options', () => {
    // @ts-expect-error partners is required
    partnerContext({})
    // @ts-expect-error a header source needs the header name
    partnerContext({ partners, resolve: { source: 'header' } })
    // @ts-expect-error a resolver returns a string or undefined
    partnerContext({ partners, resolve: () => 42 })
    // @ts-expect-error region is required in an entry
    partnerContext({ partners: { a: { roleArn: 'arn:aws:iam::123456789012:role/x' } } })
  })

  it('refuses resolvers and registries that answer the wrong shape', () => {
    const entry = { roleArn: 'arn:aws:iam::123456789012:role/x', region: 'eu-west-1' }
    partnerContext({
      partners,
      resolve: (event: { headers?: Record<string, string> }) => event.headers?.['x-partner'],
    })
    partnerContext({
      partners: { get: async (partnerId: string) => (partnerId === 'a' ? entry : undefined) },
    })
    // @ts-expect-error a resolver returns the partner id, not an object holding it
    partnerContext({ partners, resolve: () => ({ partnerId: 'partner-a' }) })
    // @ts-expect-error a resolver answers at once: a promise is not a partner id
    partnerContext({ partners, resolve: async () => 'partner-a' })
    // @ts-expect-error the claims source is 'claims'
    partnerContext({ partners, resolve: { source: 'claim' } })
    // @ts-expect-error a registry's get returns an entry (roleArn and region), not a role name
    const byRoleName: PartnerRegistry = { get: async () => ({ role: 'x', region: 'eu-west-1' }) }
    // @ts-expect-error an entry needs its region
    const withoutRegion: PartnerRegistry = { get: () => ({ roleArn: entry.roleArn }) }
    partnerContext({ partners: byRoleName })
    partnerContext({ partners: withoutRegion })
    // @ts-expect-error tablePrefx is not a field of an entry (a typo would leave tables unprefixed)
    partnerContext({ partners: { a: { ...entry, tablePrefx: 'partner-a-' } } })
    // @ts-expect-error sessionDurationSeconds is a number of seconds
    partnerContext({ partners: { a: { ...entry, sessionDurationSeconds: '1h' } } })
  })
})
