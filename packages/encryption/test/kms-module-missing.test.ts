// A deployment without @aws-sdk/client-kms: field encryption is still configured (nothing is imported
// at init), and the first write fails with a typed 500 naming the module, never a 503 inviting retries.
import { isDynamormError } from '@dynamorm/core'
import { describe, expect, it, vi } from 'vitest'
import { fieldEncryption, partnerFieldEncryption } from '../src/index.ts'

// Not from fixtures.ts, which imports the KMS client itself. That importing ../src/index.ts succeeds
// here at all shows the package loads nothing of @aws-sdk/client-kms at module init.
const KEY_A = '11111111-1111-1111-1111-111111111111'
const keyOf = (pk: string) => ({ pk: { S: pk }, sk: { S: 'PAYMENT' } })
const contextFor = (table: string, key: ReturnType<typeof keyOf>, encryptedAttributes: string[]) => ({
  table,
  model: 'Payment',
  key,
  encryptedAttributes,
})

vi.mock('@aws-sdk/client-kms', () => {
  throw Object.assign(new Error("Cannot find package '@aws-sdk/client-kms'"), {
    code: 'ERR_MODULE_NOT_FOUND',
  })
})

describe('without @aws-sdk/client-kms', () => {
  it('configures, then refuses the first write and beacon with EncryptionConfigError (500)', async () => {
    const encryption = fieldEncryption({ keyId: KEY_A, beacons: { key: 'AAAA', attributes: { card: {} } } })
    const forPartner = partnerFieldEncryption({})
    const partnerEncryption = forPartner({ id: 'partner-a', kmsKeyId: KEY_A })
    const context = contextFor('payments', keyOf('p-1'), ['card'])
    for (const attempt of [
      encryption.beforeWrite({ ...keyOf('p-1'), card: { S: '4111' } }, context),
      encryption.beacon('card', '4111'),
      partnerEncryption.beforeWrite({ ...keyOf('p-1'), card: { S: '4111' } }, context),
    ]) {
      const error = await attempt.then(
        () => undefined,
        (reason: unknown) => reason as Error & { status: number },
      )
      expect(isDynamormError(error, 'EncryptionConfigError')).toBe(true)
      expect(error?.status).toBe(500)
      expect(error?.message).toContain('@aws-sdk/client-kms could not be loaded')
    }
    forPartner.dispose()
  })
})
