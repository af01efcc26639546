// The item transformer seam as @dynamorm/encryption uses it, with a fake codec: every attribute the
// transformer returns is written (beacons stay in step), and `partial` tells updates from whole items.
import { GetItemCommand } from '@aws-sdk/client-dynamodb'
import { describe, expect, it } from 'vitest'
import { type Db, type ItemTransformer, isDynamormError, marshallItem, unmarshallItem } from '../src/index.ts'
import { beaconCodec, beaconOf, sealedOf } from './beacon-codec.ts'
import { newPayment, Payment, paymentsTableForFile } from './fixtures.ts'

const env = paymentsTableForFile()

/** The item as stored, bypassing the model and the transformer. */
async function stored(id: string): Promise<Record<string, unknown> | undefined> {
  const output = await env.db.send(
    new GetItemCommand({
      TableName: env.table.name,
      Key: marshallItem({ pk: 'PARTNER#p1', sk: `PAYMENT#${id}` }),
      ConsistentRead: true,
    }),
  )
  return output.Item && unmarshallItem(output.Item)
}

describe('item transformer seam', () => {
  it('gives a refused write the item it met decoded, to code only: a logger serialising the error writes none of it', async () => {
    const payments = env.db.scoped({ transformer: beaconCodec() }).model(Payment)
    const created = await payments.create(newPayment({ cardNumber: '4111111111111111' }))
    const refused = (await payments.create({ ...newPayment(), id: created.id }).catch((e: unknown) => e)) as {
      item?: { cardNumber?: string }
      details: { item?: { cardNumber?: string } }
    }
    expect(isDynamormError(refused, 'ConditionFailedError')).toBe(true)
    expect(refused.item?.cardNumber).toBe('4111111111111111')
    expect(refused.details.item?.cardNumber).toBe('4111111111111111')
    expect(JSON.stringify(refused)).not.toContain('4111111111111111')
    expect(JSON.stringify({ ...refused, details: { ...refused.details } })).not.toContain('4111')
    const stale = (await payments.put({ ...created, version: 7 }).catch((e: unknown) => e)) as {
      item?: { cardNumber?: string }
    }
    expect(isDynamormError(stale, 'OptimisticLockError')).toBe(true)
    expect(stale.item?.cardNumber).toBe('4111111111111111')
    expect(JSON.stringify(stale)).not.toContain('4111111111111111')
  })

  it('writes the beacon with a whole item (partial false) and keeps it in step on update (partial true)', async () => {
    const codec = beaconCodec()
    const payments = env.db.scoped({ transformer: codec }).model(Payment)
    const created = await payments.create(newPayment({ cardNumber: '4111111111111111' }))
    expect(codec.writes.at(-1)).toMatchObject({ partial: false, model: 'Payment' })
    expect(await stored(created.id)).toMatchObject({
      cardNumber: sealedOf('4111111111111111'),
      cardNumberBeacon: beaconOf('4111111111111111'),
    })

    const updated = await payments.update(
      { partnerId: 'p1', id: created.id },
      { set: { cardNumber: '5555444433332222', captured: true } },
    )
    expect(updated?.cardNumber).toBe('5555444433332222')
    expect(updated).not.toHaveProperty('cardNumberBeacon')
    const context = codec.writes.at(-1)!
    expect(context.partial).toBe(true)
    expect(unmarshallItem(context.key)).toEqual({ pk: 'PARTNER#p1', sk: `PAYMENT#${created.id}` })
    const after = await stored(created.id)
    expect(after).toMatchObject({
      cardNumber: sealedOf('5555444433332222'),
      cardNumberBeacon: beaconOf('5555444433332222'),
      captured: true,
      version: 2,
    })
    // The beacon finds the new value only.
    expect(after?.cardNumberBeacon).not.toBe(beaconOf('4111111111111111'))
  })

  it('removes what the transformer derived from an encrypted attribute with it (derivedAttributes)', async () => {
    const payments = env.db.scoped({ transformer: beaconCodec() }).model(Payment)
    const created = await payments.create(newPayment({ cardNumber: '4111111111111111' }))
    await payments.update(
      { partnerId: 'p1', id: created.id },
      { remove: ['cardNumber'], set: { captured: true } },
    )
    const after = await stored(created.id)
    expect(after).not.toHaveProperty('cardNumber')
    expect(after).not.toHaveProperty('cardNumberBeacon')
    expect(after).toMatchObject({ captured: true })
    // A transformer without the hook: the remove is sent as asked, nothing else.
    const { derivedAttributes: _none, ...bare } = beaconCodec()
    const plain = env.db.scoped({ transformer: bare }).model(Payment)
    const second = await plain.create(newPayment({ cardNumber: '4111111111111111' }))
    await plain.update({ partnerId: 'p1', id: second.id }, { remove: ['cardNumber'] })
    expect(await stored(second.id)).toMatchObject({ cardNumberBeacon: beaconOf('4111111111111111') })
  })

  it('updates the beacon through put, a queued update and a batch write', async () => {
    const codec = beaconCodec()
    const secure = env.db.scoped({ transformer: codec }).forRequest().scoped({ transformer: codec })
    const payments = secure.model(Payment)
    const created = await payments.create(newPayment({ cardNumber: '1111' }))
    const replaced = await payments.put({ ...created, cardNumber: '2222' })
    expect(codec.writes.at(-1)?.partial).toBe(false)
    expect(replaced.cardNumber).toBe('2222')
    expect((await stored(created.id))?.cardNumberBeacon).toBe(beaconOf('2222'))

    await payments.queue.update({ partnerId: 'p1', id: created.id }, { set: { cardNumber: '3333' } })
    expect(codec.writes.at(-1)?.partial).toBe(true)
    expect((await stored(created.id))?.cardNumberBeacon).toBe(beaconOf('2222'))
    expect(await secure.unitOfWork.commit()).toBe(1)
    expect(await stored(created.id)).toMatchObject({
      cardNumber: sealedOf('3333'),
      cardNumberBeacon: beaconOf('3333'),
    })

    const batched = newPayment({ cardNumber: '4444' })
    await payments.batchWrite({ put: [batched] }, { overwrite: true })
    expect(codec.writes.at(-1)?.partial).toBe(false)
    expect((await stored(batched.id))?.cardNumberBeacon).toBe(beaconOf('4444'))
    expect((await payments.get({ partnerId: 'p1', id: batched.id }))?.cardNumber).toBe('4444')
  })

  it('leaves the transformer out of updates that write no encrypted value', async () => {
    const codec = beaconCodec()
    const payments = env.db.scoped({ transformer: codec }).model(Payment)
    const created = await payments.create(newPayment({ cardNumber: '9999' }))
    const calls = codec.writes.length
    await payments.update({ partnerId: 'p1', id: created.id }, { set: { status: 'AUTHORIZED' } })
    expect(codec.writes.length).toBe(calls)
    expect(await stored(created.id)).toMatchObject({
      cardNumberBeacon: beaconOf('9999'),
      status: 'AUTHORIZED',
    })
  })

  it('keeps setIfNotExists working when the transformer derives nothing', async () => {
    const bare: ItemTransformer = {
      beforeWrite: async (item) => item,
      afterRead: async (item) => item,
    }
    const payments = env.db.scoped({ transformer: bare }).model(Payment)
    const created = await payments.create(newPayment())
    const updated = await payments.update(
      { partnerId: 'p1', id: created.id },
      { setIfNotExists: { cardNumber: '7777' } },
    )
    expect(updated?.cardNumber).toBe('7777')
  })

  it('refuses, before sending, transformers whose output could not be written as asked', async () => {
    const created = await env.db
      .scoped({ transformer: beaconCodec() })
      .model(Payment)
      .create(newPayment({ cardNumber: '1234' }))
    const key = { partnerId: 'p1', id: created.id }
    const before = await stored(created.id)
    const cases: [ItemTransformer, Parameters<ReturnType<Db['model']>['update']>[1], RegExp][] = [
      // Drops the field: the plaintext must not be sent instead.
      [
        { beforeWrite: async () => ({}), afterRead: async (item) => item },
        { set: { cardNumber: '0000' } },
        /returned no value for cardNumber/,
      ],
      // Writes a key attribute.
      [
        beaconCodec(() => ({ sk: { S: 'PAYMENT#other' } })),
        { set: { cardNumber: '0000' } },
        /key attribute sk/,
      ],
      // Derives an attribute the update also writes.
      [
        beaconCodec(() => ({ captured: { BOOL: false } })),
        { set: { cardNumber: '0000', captured: true } },
        /twice/,
      ],
      // A beacon cannot follow if_not_exists.
      [
        beaconCodec(),
        { setIfNotExists: { cardNumber: '0000' } },
        /setIfNotExists on cardNumber cannot keep cardNumberBeacon in step/,
      ],
    ]
    for (const [transformer, changes, message] of cases) {
      const error = await env.db
        .scoped({ transformer })
        .model(Payment)
        .update(key, changes as never)
        .catch((e: unknown) => e)
      expect(isDynamormError(error, 'ValidationError')).toBe(true)
      expect((error as Error).message).toMatch(message)
      expect((error as Error).message).not.toContain('0000')
    }
    expect(await stored(created.id)).toEqual(before)
  })
})
