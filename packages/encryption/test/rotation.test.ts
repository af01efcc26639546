import { UpdateItemCommand } from '@aws-sdk/client-dynamodb'
import { type AttributeMap, createDb, type Db } from '@dynamorm/core'
import { describe, expect, it } from 'vitest'
import { createBeaconKey, type FieldEncryption, fieldEncryption, reencryptTable } from '../src/index.ts'
import { contextFor, getRaw, KEY_A, KEY_B, keyOf, kmsAndTableForFile, putRaw, testDb } from './fixtures.ts'

const setup = kmsAndTableForFile()

const attributes = ['card', 'iban']
const plainItem = (pk: string): AttributeMap => ({
  ...keyOf(pk),
  card: { S: `card-${pk}` },
  iban: { M: { number: { S: `iban-${pk}` } } },
  status: { S: 'SETTLED' },
})

async function writeItems(encryption: FieldEncryption, pks: string[]): Promise<void> {
  for (const pk of pks) {
    const context = contextFor(setup.table.name, keyOf(pk), attributes)
    await putRaw(setup.db, setup.table.name, await encryption.beforeWrite(plainItem(pk), context))
  }
}

/** The rotated configuration: new data keys under KEY_B, fields under KEY_A still open. */
const rotated = () => fieldEncryption({ keyId: KEY_B, previousKeyIds: [KEY_A], kms: setup.kmsClient })

const read = async (encryption: FieldEncryption, pk: string) =>
  encryption.afterRead(
    (await getRaw(setup.db, setup.table.name, keyOf(pk)))!,
    contextFor(setup.table.name, keyOf(pk), attributes),
  )

describe('key rotation', () => {
  it('writes new items under the new key, still reads old ones, and moves old ones with reencryptTable', async () => {
    const before = fieldEncryption({ keyId: 'alias/payments-a', kms: setup.kmsClient })
    await writeItems(before, ['rot-1', 'rot-2', 'rot-3'])
    const after = rotated()
    await writeItems(after, ['rot-4'])
    // Old items decrypt under the rotated configuration: it lists the old key among those it trusts.
    expect(await read(after, 'rot-1')).toEqual(plainItem('rot-1'))
    // Without it, the run stops at an old item, naming it, and moves nothing.
    const forgotten = await reencryptTable({
      db: setup.db,
      table: setup.table.name,
      encryption: fieldEncryption({ keyId: KEY_B, kms: setup.kmsClient }),
      encryptedAttributes: attributes,
    }).catch((e: unknown) => e)
    expect(forgotten).toMatchObject({
      name: 'UntrustedKmsKeyError',
      details: { key: { pk: expect.stringMatching(/^rot-[123]$/), sk: 'PAYMENT' } },
    })
    // Once KEY_A is disabled, its items no longer open, which is how we prove the move below.
    const stale = (await getRaw(setup.db, setup.table.name, keyOf('rot-2')))!
    const result = await reencryptTable({
      db: setup.db,
      table: setup.table.name,
      encryption: after,
      encryptedAttributes: attributes,
    })
    expect(result).toEqual({ scanned: 4, reencrypted: 3, conflicts: 0 })
    setup.kms.disableKey(KEY_A)
    try {
      const fresh = rotated()
      for (const pk of ['rot-1', 'rot-2', 'rot-3', 'rot-4'])
        expect(await read(fresh, pk)).toEqual(plainItem(pk))
      const error = await fresh
        .afterRead(stale, contextFor(setup.table.name, keyOf('rot-2'), attributes))
        .catch((e) => e)
      expect(error.name).toBe('KmsKeyError')
    } finally {
      setup.kms.enableKey(KEY_A)
    }
    // A second run finds nothing left to move.
    expect(
      await reencryptTable({
        db: setup.db,
        table: setup.table.name,
        encryption: after,
        encryptedAttributes: attributes,
      }),
    ).toEqual({ scanned: 4, reencrypted: 0, conflicts: 0 })
  })

  it('keeps the data key of an encrypted field left out of encryptedAttributes, so it still opens', async () => {
    const local = await testDb()
    try {
      const before = fieldEncryption({ keyId: KEY_A, kms: setup.kmsClient })
      const context = (encrypted: string[]) => contextFor(local.table.name, keyOf('partial'), encrypted)
      await putRaw(
        local.db,
        local.table.name,
        await before.beforeWrite(plainItem('partial'), context(attributes)),
      )
      const after = rotated()
      // The rotation is told about card only; iban stays sealed under its old data key.
      const result = await reencryptTable({
        db: local.db,
        table: local.table.name,
        encryption: after,
        encryptedAttributes: ['card'],
      })
      expect(result).toEqual({ scanned: 1, reencrypted: 1, conflicts: 0 })
      const stored = (await getRaw(local.db, local.table.name, keyOf('partial')))!
      expect(Object.keys(stored.__dk!.M!)).toHaveLength(2)
      expect(await rotated().afterRead(stored, context(attributes))).toEqual(plainItem('partial'))
    } finally {
      await local.table.delete()
    }
  })

  it('rewrites every item with all: true, pages through the table, and keeps other attributes', async () => {
    const local = await testDb()
    try {
      const encryption = fieldEncryption({ keyId: KEY_A, kms: setup.kmsClient })
      const pks = Array.from({ length: 7 }, (_, index) => `page-${index}`)
      for (const pk of pks) {
        const context = contextFor(local.table.name, keyOf(pk), attributes)
        await putRaw(local.db, local.table.name, await encryption.beforeWrite(plainItem(pk), context))
      }
      await putRaw(local.db, local.table.name, { ...keyOf('plain'), status: { S: 'NEW' } })
      const db = createDb({
        client: local.db.client,
        tableName: (logical) => `${logical}-${local.table.name.split('-')[1]}`,
      })
      // The rewrite also backfills beacons configured after the items were written.
      const withBeacons = fieldEncryption({
        keyId: KEY_A,
        kms: setup.kmsClient,
        beacons: { key: await createBeaconKey(setup.kmsClient, KEY_A), attributes: { card: {} } },
      })
      const result = await reencryptTable({
        db,
        table: 'enc',
        encryption: withBeacons,
        encryptedAttributes: attributes,
        pageSize: 3,
        all: true,
        model: 'Payment',
      })
      expect(result).toEqual({ scanned: 8, reencrypted: 7, conflicts: 0 })
      const stored = (await getRaw(local.db, local.table.name, keyOf('page-0')))!
      expect(stored.status).toEqual({ S: 'SETTLED' })
      expect(Buffer.from(stored.cardBeacon!.B!)).toEqual(
        Buffer.from(await withBeacons.beacon('card', 'card-page-0')),
      )
      expect(await getRaw(local.db, local.table.name, keyOf('plain'))).toEqual({
        ...keyOf('plain'),
        status: { S: 'NEW' },
      })
      expect(
        await withBeacons.afterRead(stored, contextFor(local.table.name, keyOf('page-0'), attributes)),
      ).toEqual(plainItem('page-0'))
    } finally {
      await local.table.delete()
    }
  })

  it('leaves an item another writer changed meanwhile, and counts it as a conflict', async () => {
    const local = await testDb()
    try {
      const old = fieldEncryption({ keyId: KEY_A, kms: setup.kmsClient })
      const context = contextFor(local.table.name, keyOf('race'), attributes)
      await putRaw(local.db, local.table.name, await old.beforeWrite(plainItem('race'), context))
      const current = rotated()
      // The concurrent writer lands between the scan and the conditional rewrite.
      const racingDb = racingWriter(local.db, local.table.name, async () => {
        const newer = await current.beforeWrite({ ...plainItem('race'), card: { S: 'newer card' } }, context)
        await putRaw(local.db, local.table.name, newer)
      })
      const result = await reencryptTable({
        db: racingDb,
        table: local.table.name,
        encryption: current,
        encryptedAttributes: attributes,
      })
      expect(result).toEqual({ scanned: 1, reencrypted: 0, conflicts: 1 })
      const stored = (await getRaw(local.db, local.table.name, keyOf('race')))!
      expect((await current.afterRead(stored, context)).card).toEqual({ S: 'newer card' })
    } finally {
      await local.table.delete()
    }
  })

  it('stops at an item it cannot open, and names it so it can be looked at before the next run', async () => {
    const local = await testDb()
    try {
      const encryption = fieldEncryption({ keyId: KEY_A, kms: setup.kmsClient })
      const context = contextFor(local.table.name, keyOf('tampered'), attributes)
      const sealed = await encryption.beforeWrite(plainItem('tampered'), context)
      const card = Buffer.from(sealed.card!.B!)
      card[card.length - 1]! ^= 1
      await putRaw(local.db, local.table.name, { ...sealed, card: { B: card } })
      const error = await reencryptTable({
        db: local.db,
        table: local.table.name,
        encryption: rotated(),
        encryptedAttributes: attributes,
      }).catch((e: unknown) => e)
      expect(error).toMatchObject({
        name: 'DecryptionError',
        details: { key: { pk: 'tampered', sk: 'PAYMENT' } },
      })
    } finally {
      await local.table.delete()
    }
  })

  it('reports other failures of the rewrite', async () => {
    const encryption = fieldEncryption({ keyId: KEY_B, kms: setup.kmsClient })
    const missing = reencryptTable({
      db: setup.db,
      table: 'no-such-table',
      encryption,
      encryptedAttributes: attributes,
    })
    await expect(missing).rejects.toMatchObject({ name: expect.stringMatching(/Error$/) })
  })
})

/** A Db whose first UpdateItem is preceded by `race` (a write by someone else). */
function racingWriter(db: Db, _table: string, race: () => Promise<void>): Db {
  let raced = false
  const racing = Object.create(db) as Db
  racing.send = async (command) => {
    if (!raced && command instanceof UpdateItemCommand) {
      raced = true
      await race()
    }
    return db.send(command)
  }
  return racing
}
