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
    expectTypeOf<ChainProblemKind>().toEqualTypeOf<'modified' | 'deleted' | 'reordered' | 'inserted'>()
    expectTypeOf<AuditEntry['outcome']>().toEqualTypeOf<'success' | { failure: string }>()
  })
})
