import { inspect } from 'node:util'
import type { KMSClient } from '@aws-sdk/client-kms'
import { createDb, defineModel, isDynamormError, string } from '@dynamorm/core'
import { kmsKeyArn } from '@dynamorm/testing'
import { beforeAll, describe, expect, it } from 'vitest'
import { fieldEncryption } from '../src/index.ts'
import {
  contextFor,
  getRaw,
  KEY_A,
  KEY_B,
  keyOf,
  kmsAndTableForFile,
  kmsClient,
  leaks,
  putRaw,
} from './fixtures.ts'

const setup = kmsAndTableForFile()
// A key of someone who can write the table (or of a compromised upstream writer), in their own account:
// its policy lets anyone decrypt, under any encryption context.
const FOREIGN = '99999999-9999-9999-9999-999999999999'
const FORGED_CARD = '4000056655665556'

beforeAll(() => {
  setup.kms.addKey({ keyId: FOREIGN, accountId: '999999999999' })
})

const Payment = defineModel({
  name: 'Payment',
  table: 'payments',
  attributes: { id: string().required(), cardNumber: string().encrypted(), status: string() },
  key: { pk: 'PAY#{id}', sk: 'V1' },
})
const paymentKey = (id: string) => keyOf(`PAY#${id}`, 'V1')
const paymentContext = (id: string) => contextFor(setup.table.name, paymentKey(id), ['cardNumber'])
const payment = (id: string, cardNumber: string) => ({
  ...paymentKey(id),
  id: { S: id },
  cardNumber: { S: cardNumber },
  status: { S: 'AUTHORIZED' },
})

/** Stores a payment sealed by `encryption`, as whoever holds that key would. */
async function storeSealedBy(
  encryption: ReturnType<typeof fieldEncryption>,
  id: string,
  cardNumber: string,
  partial = false,
): Promise<void> {
  const item = payment(id, cardNumber)
  const sealed = await encryption.beforeWrite(item, { ...paymentContext(id), partial })
  await putRaw(setup.db, setup.table.name, sealed)
}

/** A KMS client whose requests name `keyId` (or no key) instead of what the code asked for. */
function misdirected(keyId: string | undefined): KMSClient {
  const client = kmsClient(setup.kms)
  client.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { KeyId?: string }
      if (keyId === undefined) delete input.KeyId
      else input.KeyId = keyId
      return next(args)
    },
    { step: 'initialize' },
  )
  return client
}

describe('Decrypt names the KMS keys this deployment trusts', () => {
  it('refuses a field sealed under a KMS key it does not trust, and returns nothing of the item', async () => {
    // The AAD (table, key, attribute) is not secret: under a key of their own, a writer of the table
    // seals a card number of their choosing that authenticates like ours, unless Decrypt names our key.
    const forger = fieldEncryption({ keyId: FOREIGN, kms: setup.kmsClient })
    await storeSealedBy(forger, 'forged-1', FORGED_CARD)
    await storeSealedBy(forger, 'forged-2', FORGED_CARD, true) // data key inline, as an update writes it
    const reader = fieldEncryption({ keyId: KEY_A, previousKeyIds: [KEY_B], kms: setup.kmsClient })
    const payments = createDb({
      client: setup.db.client,
      tableName: () => setup.table.name,
      transformer: reader,
    }).model(Payment)
    for (const id of ['forged-1', 'forged-2']) {
      const decrypts = setup.kms.calls('Decrypt')
      const error = await payments.get({ id }).then(
        (read) => read,
        (e: unknown) => e,
      )
      expect(error).toMatchObject({ name: 'UntrustedKmsKeyError', status: 500 })
      expect(isDynamormError(error, 'UntrustedKmsKeyError')).toBe(true)
      const shown = `${inspect(error, { depth: 20, showHidden: true })} ${JSON.stringify(error)} ${String(error)}`
      expect(leaks(shown, FORGED_CARD)).toBe(false)
      // Each trusted key asked once, and refused by KMS: no data key came back, so nothing was opened.
      expect(setup.kms.calls('Decrypt') - decrypts).toBe(2)
    }
    expect(reader.cachedKeys.decrypted).toBe(0)
  })

  it('opens fields under a previous key, at one refused and one answered Decrypt per data key', async () => {
    const before = fieldEncryption({ keyId: 'alias/payments-b', kms: setup.kmsClient })
    for (const id of ['old-1', 'old-2', 'old-3']) await storeSealedBy(before, id, `card-${id}`)
    // Previous keys by key ARN (an alias may since name the new key).
    const reader = fieldEncryption({
      keyId: KEY_A,
      previousKeyIds: [kmsKeyArn(KEY_B)],
      kms: setup.kmsClient,
    })
    const decrypts = setup.kms.calls('Decrypt')
    for (const id of ['old-1', 'old-2', 'old-3']) {
      const stored = (await getRaw(setup.db, setup.table.name, paymentKey(id)))!
      expect((await reader.afterRead(stored, paymentContext(id))).cardNumber).toEqual({ S: `card-${id}` })
    }
    // The three items share one data key: KEY_A refuses it, KEY_B opens it, the cache serves the rest.
    expect(setup.kms.calls('Decrypt') - decrypts).toBe(2)
    // Without the old key among the trusted ones, the same item is refused.
    const strict = fieldEncryption({ keyId: KEY_A, kms: setup.kmsClient })
    const stored = (await getRaw(setup.db, setup.table.name, paymentKey('old-1')))!
    const error = await strict.afterRead(stored, paymentContext('old-1')).catch((e: unknown) => e)
    expect(isDynamormError(error, 'UntrustedKmsKeyError')).toBe(true)
  })

  it('costs one Decrypt per uncached data key under the current key, however many keys it trusts', async () => {
    const writer = fieldEncryption({ keyId: KEY_A, kms: setup.kmsClient })
    for (const id of ['usual-1', 'usual-2', 'usual-3']) await storeSealedBy(writer, id, `card-${id}`)
    const reader = fieldEncryption({ keyId: KEY_A, previousKeyIds: [KEY_B], kms: setup.kmsClient })
    const decrypts = setup.kms.calls('Decrypt')
    for (const id of ['usual-1', 'usual-2', 'usual-3']) {
      const stored = (await getRaw(setup.db, setup.table.name, paymentKey(id)))!
      expect((await reader.afterRead(stored, paymentContext(id))).cardNumber).toEqual({ S: `card-${id}` })
    }
    expect(setup.kms.calls('Decrypt') - decrypts).toBe(1)
  })

  it('refuses previousKeyIds that are not a list of key ids', () => {
    for (const previousKeyIds of [[''], 'alias/old', [42]]) {
      expect(() => fieldEncryption({ keyId: KEY_A, previousKeyIds: previousKeyIds as never })).toThrow(
        expect.objectContaining({ name: 'EncryptionConfigError' }),
      )
    }
  })

  it('refuses what an endpoint answers for another KMS key than the one named', async () => {
    const forger = fieldEncryption({ keyId: FOREIGN, kms: setup.kmsClient })
    await storeSealedBy(forger, 'endpoint-1', FORGED_CARD)
    const stored = (await getRaw(setup.db, setup.table.name, paymentKey('endpoint-1')))!
    // An endpoint (a proxy, a stub left in a configuration) that drops the KeyId and decrypts anyway.
    const ignoringKeyId = misdirected(undefined)
    const reader = fieldEncryption({ keyId: KEY_A, kms: ignoringKeyId })
    const error = await reader.afterRead(stored, paymentContext('endpoint-1')).catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'UntrustedKmsKeyError', status: 500 })
    expect(
      leaks(`${inspect(error, { depth: 20, showHidden: true })} ${JSON.stringify(error)}`, FORGED_CARD),
    ).toBe(false)
    expect(reader.cachedKeys.decrypted).toBe(0)
    // Writes: a data key from another KMS key than keyId (here named by ARN) seals nothing.
    const swappingKey = misdirected(FOREIGN)
    const writer = fieldEncryption({ keyId: kmsKeyArn(KEY_A), kms: swappingKey })
    const refused = await writer
      .beforeWrite(payment('endpoint-2', 'card'), paymentContext('endpoint-2'))
      .catch((e: unknown) => e)
    expect(refused).toMatchObject({ name: 'UntrustedKmsKeyError', status: 500 })
    expect(writer.cachedKeys).toEqual({ current: 0, decrypted: 0 })
    ignoringKeyId.destroy()
    swappingKey.destroy()
  })
})
