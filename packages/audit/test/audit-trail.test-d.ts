import { dynamoClient } from '@dynamorm/client'
import { partnerContext } from '@dynamorm/partner'
import middy from '@middy/core'
import { describe, expectTypeOf, it } from 'vitest'
import {
  type AuditEntry,
  type AuditRecorder,
  type AuditTrailOptions,
  auditTrail,
  type ChainProblemKind,
  verifyAuditChain,
} from '../src/index.ts'

describe('auditTrail types', () => {
  it('adds context.audit next to context.db in the handler', () => {
    middy()
      .use(dynamoClient())
      .use(auditTrail({ table: 'audit' }))
      .handler(async (_event, context) => {
        expectTypeOf(context.audit).toEqualTypeOf<AuditRecorder>()
        expectTypeOf(context.db.unitOfWork.size).toBeNumber()
        context.audit.record({
          action: 'capture',
          entity: 'Payment',
          key: { paymentId: 'p1' },
          after: { amount: 1 },
        })
        // @ts-expect-error action is required
        context.audit.record({ entity: 'Payment', key: { paymentId: 'p1' } })
        // @ts-expect-error key must be an object
        context.audit.record({ action: 'capture', entity: 'Payment', key: 'p1' })
        return {}
      })
  })

  it('refuses record() calls of the wrong shape', () => {
    middy()
      .use(dynamoClient())
      .use(auditTrail())
      .handler(async (_event, context) => {
        const key = { paymentId: 'p1' }
        // @ts-expect-error entity is required
        context.audit.record({ action: 'capture', key })
        // @ts-expect-error action is a name, not a code
        context.audit.record({ action: 7, entity: 'Payment', key })
        // @ts-expect-error key is an object of the entity's key attributes, not a list
        context.audit.record({ action: 'capture', entity: 'Payment', key: ['p1'] })
        // @ts-expect-error before is the item, not a description of it
        context.audit.record({ action: 'capture', entity: 'Payment', key, before: 'authorized' })
        // @ts-expect-error afer is not a field of a record (a typo would drop the diff)
        context.audit.record({ action: 'capture', entity: 'Payment', key, afer: { amount: 1 } })
        // @ts-expect-error model is the core model (its encrypted names), not the entity's name
        context.audit.record({ action: 'capture', entity: 'Payment', key, model: 'Payment' })
        const record = { action: 'capture', entity: 'Payment', key }
        // @ts-expect-error model.encrypted lists names
        context.audit.record({ ...record, model: { encrypted: 'cardNumber' } })
        // @ts-expect-error sensitive lists paths
        context.audit.record({ action: 'capture', entity: 'Payment', key, sensitive: 'card.number' })
        // @ts-expect-error the outcome is the request's, set by the middleware, never by the handler
        context.audit.record({ action: 'capture', entity: 'Payment', key, outcome: 'success' })
        // @ts-expect-error the recorder's count is read-only
        context.audit.size = 0
        return {}
      })
  })

  it('has no context.audit without auditTrail(), and no context.db from auditTrail() alone', () => {
    middy()
      .use(dynamoClient())
      .handler(async (_event, context) => {
        // @ts-expect-error audit is only there after .use(auditTrail())
        context.audit.record({ action: 'capture', entity: 'Payment', key: { paymentId: 'p1' } })
      })
    middy()
      .use(auditTrail())
      .handler(async (_event, context) => {
        expectTypeOf(context.audit).toEqualTypeOf<AuditRecorder>()
        // @ts-expect-error db is only there after .use(dynamoClient())
        context.db
      })
  })

  it('composes with partnerContext() in the documented order', () => {
    middy()
      .use(dynamoClient())
      .use(partnerContext({ partners: {} }))
      .use(auditTrail())
      .handler(async (_event, context) => {
        expectTypeOf(context.partner.id).toBeString()
        expectTypeOf(context.audit.size).toBeNumber()
        return {}
      })
  })

  it('types options and results', () => {
    expectTypeOf<AuditTrailOptions['redact']>().toEqualTypeOf<string[] | undefined>()
    // @ts-expect-error shards is a number
    auditTrail({ shards: '4' })
    expectTypeOf(verifyAuditChain).returns.resolves.toHaveProperty('problems')
    expectTypeOf<ChainProblemKind>().toEqualTypeOf<
      'modified' | 'deleted' | 'reordered' | 'inserted' | 'unindexed'
    >()
    expectTypeOf<AuditEntry['outcome']>().toEqualTypeOf<'success' | { failure: string }>()
  })
})
