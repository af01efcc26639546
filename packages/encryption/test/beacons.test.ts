import { QueryCommand } from '@aws-sdk/client-dynamodb'
import { type AttributeMap, createDb, defineModel, isDynamormError, string } from '@dynamorm/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { createBeaconKey, type FieldEncryption, fieldEncryption } from '../src/index.ts'
import { contextFor, getRaw, KEY_A, KEY_B, keyOf, kmsAndTableForFile, putRaw } from './fixtures.ts'

const setup = kmsAndTableForFile({
  globalIndexes: [
    { name: 'byCard', partitionKey: { name: 'cardNumberBeacon', type: 'B' } },
    { name: 'byIban', partitionKey: { name: 'ibanHash', type: 'B' } },
  ],
})
let beaconKey: string
let encryption: FieldEncryption

const attributes = ['cardNumber', 'iban']

beforeAll(async () => {
  beaconKey = await createBeaconKey(setup.kmsClient, KEY_A)
  encryption = fieldEncryption({
    keyId: KEY_A,
    kms: setup.kmsClient,
    beacons: { key: beaconKey, attributes: { cardNumber: {}, iban: { name: 'ibanHash', bits: 128 } } },
  })
})

async function store(pk: string, card: string, iban: string): Promise<AttributeMap> {
  const item = { ...keyOf(pk), cardNumber: { S: card }, iban: { S: iban } }
  const sealed = await encryption.beforeWrite(item, contextFor(setup.table.name, keyOf(pk), attributes))
  await putRaw(setup.db, setup.table.name, sealed)
  return sealed
}

async function findBy(index: string, attribute: string, beacon: Uint8Array): Promise<string[]> {
  const output = await setup.db.send(
    new QueryCommand({
      TableName: setup.table.name,
      IndexName: index,
      KeyConditionExpression: '#b = :b',
      ExpressionAttributeNames: { '#b': attribute },
      ExpressionAttributeValues: { ':b': { B: beacon } },
    }),
  )
  return (output.Items ?? []).map((item) => item.pk!.S!).sort()
}

describe('beacons', () => {
  it('finds exactly the items with an equal plaintext through a GSI, without decrypting', async () => {
    const first = await store('pay-1', '4111111111111111', 'DE01')
    await store('pay-2', '5500005555555559', 'DE02')
    await store('pay-3', '4111111111111111', 'DE03')
    expect(first.cardNumberBeacon!.B).toHaveLength(8)
    expect(first.ibanHash!.B).toHaveLength(16)
    expect(first.cardNumberBeacon).not.toEqual(first.cardNumber)
    expect(
      await findBy('byCard', 'cardNumberBeacon', await encryption.beacon('cardNumber', '4111111111111111')),
    ).toEqual(['pay-1', 'pay-3'])
    expect(
      await findBy('byCard', 'cardNumberBeacon', await encryption.beacon('cardNumber', '5500005555555559')),
    ).toEqual(['pay-2'])
    expect(
      await findBy('byCard', 'cardNumberBeacon', await encryption.beacon('cardNumber', '4000000000000002')),
    ).toEqual([])
    expect(await findBy('byIban', 'ibanHash', await encryption.beaconOf('iban', { S: 'DE02' }))).toEqual([
      'pay-2',
    ])
    // The beacon key was decrypted once, at first use.
    expect(setup.kms.calls('Decrypt')).toBe(1)
  })

  it('is bound to its attribute and is stripped from items read back', async () => {
    const sealed = await store('pay-4', 'SAME', 'SAME')
    expect(Buffer.from(sealed.cardNumberBeacon!.B!).subarray(0, 8)).not.toEqual(
      Buffer.from(sealed.ibanHash!.B!).subarray(0, 8),
    )
    const opened = await encryption.afterRead(
      sealed,
      contextFor(setup.table.name, keyOf('pay-4'), attributes),
    )
    expect(opened).toEqual({ ...keyOf('pay-4'), cardNumber: { S: 'SAME' }, iban: { S: 'SAME' } })
    expect(encryption.storedAttributes.beacons).toEqual({ cardNumber: 'cardNumberBeacon', iban: 'ibanHash' })
  })

  it('gives equal numbers one beacon however they are spelled', async () => {
    expect(await encryption.beaconOf('cardNumber', { N: '12.30' })).toEqual(
      await encryption.beaconOf('cardNumber', { N: '12.3' }),
    )
    expect(await encryption.beacon('cardNumber', 12.3)).toEqual(
      await encryption.beaconOf('cardNumber', { N: '12.3' }),
    )
  })

  it('differs with another beacon key', async () => {
    const other = fieldEncryption({
      keyId: KEY_A,
      kms: setup.kmsClient,
      beacons: { key: await createBeaconKey(setup.kmsClient, KEY_A), attributes: { cardNumber: {} } },
    })
    expect(await other.beacon('cardNumber', '4111111111111111')).not.toEqual(
      await encryption.beacon('cardNumber', '4111111111111111'),
    )
  })

  it('fails with typed errors: no beacon configured, KMS down at first use (then recovers)', async () => {
    const noBeacon = await encryption.beacon('status', 'x').catch((error) => error)
    expect(isDynamormError(noBeacon, 'EncryptionConfigError')).toBe(true)
    const plain = fieldEncryption({ keyId: KEY_A, kms: setup.kmsClient })
    expect(
      isDynamormError(await plain.beacon('cardNumber', 'x').catch((e) => e), 'EncryptionConfigError'),
    ).toBe(true)
    const fresh = fieldEncryption({
      keyId: KEY_A,
      kms: setup.kmsClient,
      beacons: { key: beaconKey, attributes: { cardNumber: {} } },
    })
    setup.kms.faults.set({ serverError: 10, operation: 'Decrypt' })
    const down = await fresh
      .beforeWrite(
        { ...keyOf('x'), cardNumber: { S: 'x' } },
        contextFor(setup.table.name, keyOf('x'), attributes),
      )
      .catch((error) => error)
    expect(isDynamormError(down, 'KmsUnavailableError')).toBe(true)
    setup.kms.faults.reset()
    expect(await fresh.beacon('cardNumber', '4111111111111111')).toEqual(
      await encryption.beacon('cardNumber', '4111111111111111'),
    )
    // A beacon key that is not a KMS ciphertext of ours is refused as a decryption failure.
    const forged = fieldEncryption({
      keyId: KEY_A,
      kms: setup.kmsClient,
      beacons: { key: Buffer.alloc(64, 1), attributes: { cardNumber: {} } },
    })
    expect(isDynamormError(await forged.beacon('cardNumber', 'x').catch((e) => e), 'DecryptionError')).toBe(
      true,
    )
    fresh.wipeKeys()
    expect(await fresh.beacon('cardNumber', 'y')).toHaveLength(8)
  })

  it('opens its beacon key only under a KMS key it trusts: the current one or a previous one', async () => {
    const FOREIGN = '99999999-9999-9999-9999-999999999999'
    setup.kms.addKey({ keyId: FOREIGN, accountId: '999999999999' })
    const beaconUnder = async (kmsKey: string) =>
      fieldEncryption({
        keyId: KEY_A,
        previousKeyIds: [KEY_B],
        kms: setup.kmsClient,
        beacons: { key: await createBeaconKey(setup.kmsClient, kmsKey), attributes: { cardNumber: {} } },
      })
    // A beacon key of someone else's: its beacons would be theirs to compute, so it is refused.
    const foreign = await beaconUnder(FOREIGN)
    const context = contextFor(setup.table.name, keyOf('foreign-beacon'), attributes)
    const refused = await foreign
      .beforeWrite({ ...keyOf('foreign-beacon'), cardNumber: { S: '4111111111111111' } }, context)
      .catch((e) => e)
    expect(isDynamormError(refused, 'UntrustedKmsKeyError')).toBe(true)
    expect(
      isDynamormError(await foreign.beacon('cardNumber', 'x').catch((e) => e), 'UntrustedKmsKeyError'),
    ).toBe(true)
    expect(foreign.cachedKeys.decrypted).toBe(0)
    expect(await (await beaconUnder(KEY_B)).beacon('cardNumber', 'x')).toHaveLength(8)
  })

  it('reports a KMS failure while creating a beacon key', async () => {
    setup.kms.faults.set({ serverError: 10, operation: 'GenerateDataKeyWithoutPlaintext' })
    const error = await createBeaconKey(setup.kmsClient, KEY_A).catch((e) => e)
    setup.kms.faults.reset()
    expect(isDynamormError(error, 'KmsUnavailableError')).toBe(true)
    expect(
      isDynamormError(await createBeaconKey(setup.kmsClient, 'alias/none').catch((e) => e), 'KmsKeyError'),
    ).toBe(true)
  })
})

const Payment = defineModel({
  name: 'BeaconedPayment',
  table: 'payments',
  attributes: { id: string().required(), cardNumber: string().encrypted(), note: string() },
  key: { pk: 'BPAY#{id}', sk: 'V1' },
})

describe('beacons through core updates', () => {
  it('are removed with their field, and come back when the field is set again', async () => {
    const db = createDb({
      client: setup.db.client,
      tableName: () => setup.table.name,
      transformer: encryption,
    })
    const payments = db.model(Payment)
    await payments.create({ id: 'rm-1', cardNumber: '4111111111111111', note: 'kept' })
    const key = { pk: { S: 'BPAY#rm-1' }, sk: { S: 'V1' } }
    const raw = async () => (await getRaw(setup.db, setup.table.name, key))!
    const card = await encryption.beacon('cardNumber', '4111111111111111')
    expect((await raw()).cardNumberBeacon).toBeDefined()
    expect(await findBy('byCard', 'cardNumberBeacon', card)).toContain('BPAY#rm-1')

    await payments.update({ id: 'rm-1' }, { remove: ['cardNumber'] })
    const removed = await raw()
    expect(removed.cardNumber).toBeUndefined()
    expect(removed.cardNumberBeacon).toBeUndefined()
    expect(removed.note).toEqual({ S: 'kept' })
    expect(await findBy('byCard', 'cardNumberBeacon', card)).not.toContain('BPAY#rm-1')
    expect(encryption.derivedAttributes?.('note')).toEqual([])

    await payments.update({ id: 'rm-1' }, { set: { cardNumber: '4111111111111111' } })
    expect(await findBy('byCard', 'cardNumberBeacon', card)).toContain('BPAY#rm-1')
    expect((await payments.get({ id: 'rm-1' }))?.cardNumber).toBe('4111111111111111')
  })
})

// A beacon configured for cardNumber, on a model that forgot to mark it encrypted.
const Unsealed = defineModel({
  name: 'UnsealedPayment',
  table: 'payments',
  attributes: { id: string().required(), cardNumber: string(), iban: string().encrypted() },
  key: { pk: 'UPAY#{id}', sk: 'V1' },
})

describe('beacons configured for an attribute the model does not encrypt', () => {
  it('are a typed configuration error at the first write or read, not a beacon never written', async () => {
    const dbWith = (transformer: FieldEncryption) =>
      createDb({ client: setup.db.client, tableName: () => setup.table.name, transformer })
    const key = { pk: { S: 'UPAY#u-1' }, sk: { S: 'V1' } }
    const write = await dbWith(encryption)
      .model(Unsealed)
      .create({ id: 'u-1', cardNumber: '4111111111111111', iban: 'DE01' })
      .catch((error) => error)
    expect(isDynamormError(write, 'EncryptionConfigError')).toBe(true)
    expect(write.status).toBe(500)
    expect(write.message).toContain('cardNumber')
    expect(write.message).not.toContain('4111111111111111')
    expect(await getRaw(setup.db, setup.table.name, key)).toBeUndefined()

    // Written by a deployment without that beacon, read by one with it: refused as well.
    const noCardBeacon = fieldEncryption({
      keyId: KEY_A,
      kms: setup.kmsClient,
      beacons: { key: beaconKey, attributes: { iban: { name: 'ibanHash', bits: 128 } } },
    })
    await dbWith(noCardBeacon)
      .model(Unsealed)
      .create({ id: 'u-1', cardNumber: '4111111111111111', iban: 'DE01' })
    const read = await dbWith(encryption)
      .model(Unsealed)
      .get({ id: 'u-1' })
      .catch((error) => error)
    expect(isDynamormError(read, 'EncryptionConfigError')).toBe(true)
  })
})

const Receipt = defineModel({
  name: 'Receipt',
  table: 'payments',
  attributes: {
    id: string().required(),
    cardNumber: string().encrypted().required(),
    cardLast4: string().required(),
  },
  key: { pk: 'RCPT#{id}', sk: 'V1' },
})

describe('a beacon named like an attribute', () => {
  it('is a typed configuration error before anything is written, not an attribute silently overwritten', async () => {
    // The beacon of the card number named cardLast4 replaced the receipt's last four digits with a hash.
    const clashing = fieldEncryption({
      keyId: KEY_A,
      kms: setup.kmsClient,
      beacons: { key: beaconKey, attributes: { cardNumber: { name: 'cardLast4' } } },
    })
    const db = createDb({ client: setup.db.client, tableName: () => setup.table.name, transformer: clashing })
    const error = await db
      .model(Receipt)
      .create({ id: 'r-1', cardNumber: '4111111111111111', cardLast4: '1111' })
      .catch((caught) => caught)
    expect(isDynamormError(error, 'EncryptionConfigError')).toBe(true)
    expect(error.message).toContain('cardLast4')
    expect(error.message).not.toContain('4111111111111111')
    expect(
      await getRaw(setup.db, setup.table.name, { pk: { S: 'RCPT#r-1' }, sk: { S: 'V1' } }),
    ).toBeUndefined()
  })

  it('is refused when two beacons share a name', () => {
    expect(() =>
      fieldEncryption({
        keyId: KEY_A,
        kms: setup.kmsClient,
        beacons: { key: beaconKey, attributes: { cardNumber: { name: 'hash' }, iban: { name: 'hash' } } },
      }),
    ).toThrow(/share the name hash/)
  })
})
