import type { Db, ItemTransformer } from '@dynamorm/core'
import { describe, expectTypeOf, it } from 'vitest'
import {
  type FieldEncryption,
  type FieldEncryptionOptions,
  fieldEncryption,
  partnerEncryption,
  type ReencryptTableResult,
  reencryptTable,
} from '../src/index.ts'

describe('public types', () => {
  it('a field encryption is a core ItemTransformer', () => {
    expectTypeOf(fieldEncryption({ keyId: 'k' })).toEqualTypeOf<FieldEncryption>()
    expectTypeOf<FieldEncryption>().toExtend<ItemTransformer>()
    expectTypeOf(fieldEncryption({ keyId: 'k' }).beacon('card', '4111')).resolves.toEqualTypeOf<Uint8Array>()
  })

  it('needs a key id and typed beacon options', () => {
    // @ts-expect-error keyId is required
    fieldEncryption({})
    // @ts-expect-error bits is a number
    fieldEncryption({ keyId: 'k', beacons: { key: 'x', attributes: { card: { bits: '64' } } } })
    expectTypeOf<FieldEncryptionOptions['maxMessagesPerKey']>().toEqualTypeOf<number | undefined>()
  })

  it('the middleware needs a partner with a db in the context', () => {
    const { before } = partnerEncryption({})
    expectTypeOf(before)
      .parameter(0)
      .toEqualTypeOf<{ context: { partner: Parameters<typeof before>[0]['context']['partner'] } }>()
    expectTypeOf<Parameters<typeof before>[0]['context']['partner']['db']>().toEqualTypeOf<Db>()
    // @ts-expect-error a context without a partner is refused
    before({ context: {} })
  })

  it('reencryptTable reports counts', () => {
    expectTypeOf(reencryptTable).returns.resolves.toEqualTypeOf<ReencryptTableResult>()
  })
})
