import type { ItemTransformer } from '@dynamorm/core'
import { describe, expectTypeOf, it } from 'vitest'
import {
  type EncryptingPartner,
  type FieldEncryption,
  type FieldEncryptionOptions,
  fieldEncryption,
  partnerFieldEncryption,
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
    expectTypeOf<FieldEncryptionOptions['previousKeyIds']>().toEqualTypeOf<readonly string[] | undefined>()
    // A partner's previous keys come from the partner, like its beacon key.
    partnerFieldEncryption({ previousKeyIds: (partner) => (partner.id === 'p' ? ['arn:old'] : []) })
    // @ts-expect-error a partner's previous keys are a function of the partner
    partnerFieldEncryption({ previousKeyIds: ['arn:old'] })
  })

  it('refuses beacon and key settings of the wrong shape', () => {
    const beaconKey = 'AQIDBA=='
    fieldEncryption({
      keyId: 'k',
      beacons: { key: beaconKey, attributes: { cardNumber: { name: 'cardBeacon' } } },
    })
    // @ts-expect-error beacons name their attributes in an object, not a list
    fieldEncryption({ keyId: 'k', beacons: { key: beaconKey, attributes: ['cardNumber'] } })
    // @ts-expect-error the beacon key is its KMS ciphertext (bytes or base64), not a KMS key id number
    fieldEncryption({ keyId: 'k', beacons: { key: 1234, attributes: { cardNumber: {} } } })
    // @ts-expect-error a beacon attribute's stored name is a string
    fieldEncryption({ keyId: 'k', beacons: { key: beaconKey, attributes: { cardNumber: { name: true } } } })
    // @ts-expect-error previous keys are a list of key ids
    fieldEncryption({ keyId: 'k', previousKeyIds: 'arn:old' })
    // @ts-expect-error a partner's beacon key is the partner's own: a function of the partner
    partnerFieldEncryption({ beacons: { key: beaconKey, attributes: { cardNumber: {} } } })
  })

  it('partnerFieldEncryption is a transformer factory partnerContext can take', () => {
    const forPartner = partnerFieldEncryption({})
    expectTypeOf(forPartner).parameter(0).toEqualTypeOf<EncryptingPartner>()
    expectTypeOf(forPartner).returns.toExtend<ItemTransformer>()
    // What @dynamorm/partner passes (its PartnerIdentity) fits EncryptingPartner.
    const identity = {
      id: 'p',
      accountId: '123456789012',
      region: 'eu-west-1',
      kmsKeyId: undefined as string | undefined,
      credentials: async () => ({
        accessKeyId: 'a',
        secretAccessKey: 's',
        sessionToken: 't',
        expiration: new Date(),
      }),
    }
    expectTypeOf(forPartner(identity)).toEqualTypeOf<FieldEncryption>()
  })

  it('reencryptTable reports counts', () => {
    expectTypeOf(reencryptTable).returns.resolves.toEqualTypeOf<ReencryptTableResult>()
  })
})
