import { PutItemCommand } from '@aws-sdk/client-dynamodb'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type Db,
  date,
  decimal,
  defineModel,
  enumeration,
  type ItemTransformer,
  isDynamormError,
  marshallItem,
  number,
  string,
} from '../src/index.ts'
import { newPayment, Payment, paymentsDb, Refund, type TestDb, uniqueId } from './fixtures.ts'

let env: TestDb
let db: Db
beforeAll(async () => {
  env = await paymentsDb()
  db = env.db
})
afterAll(() => env.table.delete())

describe('create, get, put, delete', () => {
  it('creates an item with defaults, version 1 and timestamps, and reads it back unchanged', async () => {
    const payments = db.model(Payment)
    const input = newPayment({
      minor: 12345678901234567890n,
      exact: '12.3',
      captured: true,
      receipt: new Uint8Array([1, 2, 3]),
      settledAt: new Date('2024-01-02T03:04:05.000Z'),
      tags: new Set(['a', 'b']),
      scores: new Set([1, 2.5]),
      notes: ['x', 'y'],
      card: { last4: '4242', brand: 'visa' },
      meta: { nested: { deep: [1, 'two'] } },
    })
    const created = await payments.create(input)
    expect(created.version).toBe(1)
    expect(created.currency).toBe('EUR')
    expect(created.createdAt).toBe(created.updatedAt)
    const read = await payments.get({ partnerId: 'p1', id: input.id }, { consistent: true })
    expect(read).toEqual(created)
    expect(read).toMatchObject({ ...input, currency: 'EUR' })
  })

  it("keeps a map member named '__proto__' as data, both ways, never as the prototype", async () => {
    const payments = db.model(Payment)
    // As a JSON body would bring it: an own property named __proto__.
    const meta = JSON.parse('{"__proto__": {"admin": true}, "ok": 1}') as Record<string, unknown>
    const input = newPayment({ meta })
    await payments.create(input)
    const read = (await payments.get({ partnerId: 'p1', id: input.id }, { consistent: true }))!
    const readMeta = read.meta as Record<string, unknown>
    expect(Object.getPrototypeOf(readMeta)).toBe(Object.prototype)
    expect(Object.hasOwn(readMeta, '__proto__')).toBe(true)
    expect(Object.getOwnPropertyDescriptor(readMeta, '__proto__')?.value).toEqual({ admin: true })
    expect(readMeta.admin).toBeUndefined()
    expect(readMeta.ok).toBe(1)
    // In a map with declared fields it is no field: refused, not dropped.
    const card = JSON.parse('{"last4": "4242", "__proto__": {"brand": "forged"}}') as { last4: string }
    const refused = await payments.create(newPayment({ card })).catch((e: unknown) => e)
    expect(isDynamormError(refused, 'ValidationError')).toBe(true)
  })

  it('create fails with ConditionFailedError carrying the existing item', async () => {
    const payments = db.model(Payment)
    const input = newPayment()
    await payments.create(input)
    const error = await payments.create({ ...input, amount: 1 }).catch((e: unknown) => e)
    expect(isDynamormError(error, 'ConditionFailedError')).toBe(true)
    expect((error as { status: number }).status).toBe(409)
    expect((error as { item: { amount: number } }).item.amount).toBe(1250)
    expect((error as { details: { item: { amount: number } } }).details.item.amount).toBe(1250)
  })

  it('put replaces at the expected version and rejects a stale version with OptimisticLockError', async () => {
    const payments = db.model(Payment)
    const created = await payments.create(newPayment())
    const replaced = await payments.put({ ...created, amount: 99 })
    expect(replaced.version).toBe(2)
    expect(replaced.createdAt).toBe(created.createdAt)
    const stale = await payments.put({ ...created, amount: 98 }).catch((e: unknown) => e)
    expect(isDynamormError(stale, 'OptimisticLockError')).toBe(true)
    expect((stale as { status: number }).status).toBe(412)
    // A versioned put without a version can only create.
    const { version: _v, ...unversioned } = replaced
    expect(
      isDynamormError(await payments.put(unversioned).catch((e: unknown) => e), 'ConditionFailedError'),
    ).toBe(true)
  })

  it('put at a version of an item deleted meanwhile is a NotFoundError, as update and delete are', async () => {
    const payments = db.model(Payment)
    const created = await payments.create(newPayment())
    await payments.delete({ partnerId: 'p1', id: created.id })
    const error = await payments.put({ ...created, amount: 5 }).catch((e: unknown) => e)
    expect(isDynamormError(error, 'NotFoundError')).toBe(true)
    expect((error as { status: number }).status).toBe(404)
    expect(await payments.get({ partnerId: 'p1', id: created.id }, { consistent: true })).toBeUndefined()
  })

  it('get returns undefined for a missing item and getOrThrow a NotFoundError', async () => {
    const payments = db.model(Payment)
    expect(await payments.get({ partnerId: 'p1', id: 'nope' })).toBeUndefined()
    const error = await payments.getOrThrow({ partnerId: 'p1', id: 'nope' }).catch((e: unknown) => e)
    expect(isDynamormError(error, 'NotFoundError')).toBe(true)
  })

  it('get with a projection returns only those attributes', async () => {
    const payments = db.model(Payment)
    const created = await payments.create(
      newPayment({ card: { last4: '1111' }, expiresAt: new Date(Date.now() + 3_600_000) }),
    )
    const read = await payments.get({ partnerId: 'p1', id: created.id }, { projection: ['amount', 'status'] })
    expect(read).toEqual({ amount: 1250, status: 'PENDING' })
  })

  it('delete returns the old item, honours versions and conditions', async () => {
    const payments = db.model(Payment)
    const created = await payments.create(newPayment())
    const key = { partnerId: 'p1', id: created.id }
    expect(
      isDynamormError(
        await payments.delete(key, { expectedVersion: 7 }).catch((e: unknown) => e),
        'OptimisticLockError',
      ),
    ).toBe(true)
    const refused = await payments
      .delete(key, { where: (c) => c.eq('status', 'SETTLED') })
      .catch((e: unknown) => e)
    expect(isDynamormError(refused, 'ConditionFailedError')).toBe(true)
    const deleted = await payments.delete(key, { expectedVersion: 1 })
    expect(deleted?.id).toBe(created.id)
    expect(await payments.delete(key)).toBeUndefined()
    expect(
      isDynamormError(
        await payments.delete(key, { mustExist: true }).catch((e: unknown) => e),
        'NotFoundError',
      ),
    ).toBe(true)
  })

  it('refuses an expectedVersion it cannot check (a model without a version) instead of writing unchecked', async () => {
    const requestDb = db.forRequest()
    const refunds = requestDb.model(Refund)
    const refund = { partnerId: 'p1', id: uniqueId('ref'), paymentId: uniqueId('pay'), amount: 10 }
    await refunds.create(refund)
    const key = { partnerId: 'p1', paymentId: refund.paymentId, id: refund.id }
    const calls = requestDb.meter.totals().calls
    // A compile error too (expectedVersion is never on a model without a version): forced past it here.
    const unchecked = { expectedVersion: 7 as never }
    for (const attempt of [
      () => refunds.update(key, { set: { amount: 99 } }, unchecked),
      () => refunds.delete(key, unchecked),
      () => refunds.queue.update(key, { set: { amount: 99 } }, unchecked),
      () => refunds.queue.delete(key, unchecked),
    ]) {
      const error = await attempt().catch((e: unknown) => e)
      expect(isDynamormError(error, 'ValidationError')).toBe(true)
    }
    expect(requestDb.meter.totals().calls).toBe(calls)
    expect(requestDb.unitOfWork.size).toBe(0)
    expect(await refunds.get(key, { consistent: true })).toEqual(refund)
    // A versioned model's expectedVersion must be an integer: '1' + 1 would have written version '11'.
    const payments = db.model(Payment)
    const created = await payments.create(newPayment())
    const bad = await payments
      .update(
        { partnerId: 'p1', id: created.id },
        { set: { captured: true } },
        { expectedVersion: '1' as never },
      )
      .catch((e: unknown) => e)
    expect(isDynamormError(bad, 'ValidationError')).toBe(true)
  })

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])(
    'treats %s, a name every object inherits, as the unknown attribute it is',
    async (name) => {
      // Parsed from a request body: JSON.parse makes even __proto__ an own field.
      const hostile = JSON.parse(`{${JSON.stringify(name)}: "x"}`)
      const payments = db.model(Payment)
      const created = await payments.create(newPayment())
      const key = { partnerId: 'p1', id: created.id }
      const updated = await payments.update(key, { set: hostile }).catch((e: unknown) => e)
      expect(isDynamormError(updated, 'ValidationError')).toBe(true)
      const input = newPayment(hostile)
      const refused = await payments.create(input).catch((e: unknown) => e)
      expect(isDynamormError(refused, 'ValidationError')).toBe(true)
      expect(await payments.get({ partnerId: 'p1', id: input.id })).toBeUndefined()
      const card = await payments
        .update(key, { set: { card: { last4: '4242', ...hostile } } })
        .catch((e: unknown) => e)
      expect(isDynamormError(card, 'ValidationError')).toBe(true)
      // As a condition's attribute it is a name like any other, compared with the value as given.
      const page = await payments.query(
        { partnerId: 'p1', id: created.id },
        { filter: (c) => c.notExists(name as never) },
      )
      expect(page.items.map((item) => item.id)).toEqual([created.id])
      const none = await payments.query(
        { partnerId: 'p1', id: created.id },
        { filter: (c) => c.eq(name as never, 'x' as never) },
      )
      expect(none.items).toEqual([])
      expect(await payments.get(key, { consistent: true })).toEqual(created)
    },
  )

  it.each(['constructor', 'toString', '__proto__'])(
    'reads an item another writer gave an attribute named %s, leaving it out as the unknown name it is',
    async (name) => {
      // Found on the prototype, it passed for a model attribute and came back in the item; a stored
      // '__proto__' made every read of the item throw a TypeError (a 500), a query of its partition too.
      const id = uniqueId('pay')
      const Item = marshallItem({
        pk: 'PARTNER#p1',
        sk: `PAYMENT#${id}`,
        __entity: 'Payment',
        partnerId: 'p1',
        id,
        amount: 1,
        status: 'PENDING',
        version: 1,
      })
      Object.defineProperty(Item, name, { value: { S: 'x' }, enumerable: true })
      await db.options.client.send(new PutItemCommand({ TableName: env.table.name, Item }))
      const expected = { partnerId: 'p1', id, amount: 1, status: 'PENDING', version: 1 }
      const read = await db.model(Payment).get({ partnerId: 'p1', id }, { consistent: true })
      expect(read).toEqual(expected)
      expect(Object.hasOwn(read as object, name)).toBe(false)
    },
  )

  it('rejects invalid input before sending', async () => {
    const payments = db.model(Payment)
    const calls = db.meter.calls
    const bad: unknown[] = [
      payments.create(newPayment({ amount: -1 }) as never),
      payments.create(newPayment({ status: 'LOST' }) as never),
      payments.create(newPayment({ unknownAttribute: 1 }) as never),
      payments.create(newPayment({ id: 'a#b' }) as never),
      payments.create(newPayment({ id: '' }) as never),
      payments.create({ partnerId: 'p1', amount: 1, status: 'PENDING' } as never),
      payments.create(newPayment({ tags: new Set() }) as never),
      payments.create(newPayment({ card: { brand: 'visa' } }) as never),
      payments.get({ partnerId: 'p1' } as never),
    ]
    for (const promise of bad) {
      const error = await (promise as Promise<unknown>).catch((e: unknown) => e)
      expect(isDynamormError(error, 'ValidationError')).toBe(true)
      expect((error as { status: number }).status).toBe(400)
    }
    expect(db.meter.calls).toBe(calls)
  })

  it('refuses a key value holding a lone surrogate instead of touching the payment it collides with', async () => {
    // DynamoDB stores keys as UTF-8, where a lone surrogate has no encoding: 'x\uDC00y' addressed
    // the payment 'x?y', so a get read it and a delete removed it.
    const payments = db.model(Payment)
    const calls = db.meter.calls
    const stem = uniqueId('pay')
    const created = await payments.create(newPayment({ id: `${stem}?` }))
    for (const hostile of [`${stem}\uDC00`, `${stem}\uD800`]) {
      for (const attempt of [
        () => payments.get({ partnerId: 'p1', id: hostile }, { consistent: true }),
        () => payments.delete({ partnerId: 'p1', id: hostile }),
        () => payments.query({ partnerId: 'p\uD800' }),
        () => payments.create(newPayment({ id: hostile })),
      ]) {
        const error = await attempt().catch((e: unknown) => e)
        expect(isDynamormError(error, 'ValidationError')).toBe(true)
        expect((error as { status: number }).status).toBe(400)
      }
    }
    expect(db.meter.calls).toBe(calls + 1)
    expect(await payments.get({ partnerId: 'p1', id: created.id }, { consistent: true })).toEqual(created)
  })

  it('refuses a key value holding part of a multi-character delimiter, which could move a boundary', async () => {
    // With '::', { day: 'd:', id: 'x' } and { day: 'd', id: ':x' } both rendered 'PAYOUT::d:::x'.
    const Payout = defineModel({
      name: 'Payout',
      table: 'payments',
      attributes: { partnerId: string().required(), day: string().required(), id: string().required() },
      key: { pk: 'PARTNER::{partnerId}', sk: 'PAYOUT::{day}::{id}' },
      keyDelimiter: '::',
    })
    const payouts = db.model(Payout)
    const calls = db.meter.calls
    for (const attempt of [
      () => payouts.create({ partnerId: 'p1', day: 'd:', id: 'x' }),
      () => payouts.get({ partnerId: 'p1', day: 'd', id: ':x' }, { consistent: true }),
      () => payouts.delete({ partnerId: ':p1', day: 'd', id: 'x' }),
    ]) {
      const error = await attempt().catch((e: unknown) => e)
      expect(isDynamormError(error, 'ValidationError')).toBe(true)
    }
    expect(db.meter.calls).toBe(calls)
  })

  it('refuses a date(epochSeconds) key value with milliseconds, which the item read back could not address', async () => {
    // The attribute stores whole seconds but the key was rendered with the milliseconds: delete(read)
    // rendered another key and deleted nothing, without a word.
    const Cutoff = defineModel({
      name: 'Cutoff',
      table: 'payments',
      attributes: { partnerId: string().required(), at: date('epochSeconds').required(), note: string() },
      key: { pk: 'PARTNER#{partnerId}', sk: 'CUTOFF#{at}' },
    })
    const cutoffs = db.model(Cutoff)
    const partnerId = uniqueId('partner')
    const calls = db.meter.calls
    for (const attempt of [
      () => cutoffs.create({ partnerId, at: new Date('2026-01-01T00:00:00.123Z') }),
      () =>
        cutoffs.update(
          { partnerId, at: new Date(1_767_225_600_123) },
          { set: { note: 'x' } },
          { upsert: true },
        ),
    ]) {
      const error = await attempt().catch((e: unknown) => e)
      expect(isDynamormError(error, 'ValidationError')).toBe(true)
    }
    expect(db.meter.calls).toBe(calls)
    await cutoffs.create({ partnerId, at: new Date('2026-01-01T00:00:00.000Z') })
    const [read] = (await cutoffs.query({ partnerId })).items
    expect(await cutoffs.delete(read!)).toEqual(read)
    expect((await cutoffs.query({ partnerId })).items).toEqual([])
  })

  it('refuses a sparse array (a list with holes) before sending', async () => {
    // A hole skipped the element check and went out as a null AttributeValue, for DynamoDB to refuse.
    const payments = db.model(Payment)
    const notes = ['a', 'b', 'c']
    delete notes[1]
    const lines: number[] = new Array(3)
    lines[0] = 1
    lines[2] = 3
    const calls = db.meter.calls
    for (const input of [newPayment({ notes }), newPayment({ meta: { lines } })]) {
      const error = await payments.create(input).catch((e: unknown) => e)
      expect(isDynamormError(error, 'ValidationError')).toBe(true)
    }
    expect(db.meter.calls).toBe(calls)
  })

  it('refuses a decimal key value DynamoDB would store in another form, which the item read back could not address', async () => {
    // '12.30' is stored (and read back) as 12.3, so delete(read) rendered another key and deleted nothing.
    const Tier = defineModel({
      name: 'Tier',
      table: 'payments',
      attributes: { partnerId: string().required(), rate: decimal().required(), note: string() },
      key: { pk: 'PARTNER#{partnerId}', sk: 'TIER#{rate}' },
    })
    const tiers = db.model(Tier)
    const partnerId = uniqueId('partner')
    const calls = db.meter.calls
    for (const rate of ['12.30', '012.3', '1e2', '-0', '1.0']) {
      const error = await tiers.create({ partnerId, rate }).catch((e: unknown) => e)
      expect(isDynamormError(error, 'ValidationError'), rate).toBe(true)
    }
    expect(db.meter.calls).toBe(calls)
    for (const rate of ['12.3', '-0.0012', '100', '0']) await tiers.create({ partnerId, rate })
    const read = (await tiers.query({ partnerId })).items
    expect(read).toHaveLength(4)
    for (const item of read) expect(await tiers.delete(item)).toEqual(item)
    expect((await tiers.query({ partnerId })).items).toEqual([])
  })

  it('refuses a query by a key value DynamoDB stores in another form, instead of silently finding nothing', async () => {
    const Tier = defineModel({
      name: 'Tier',
      table: 'payments',
      attributes: { partnerId: string().required(), rate: decimal().required(), at: date('epochSeconds') },
      key: { pk: 'PARTNER#{partnerId}', sk: 'TIER#{rate}' },
      indexes: { byTime: { type: 'gsi', pk: 'TIME#{partnerId}', sk: 'AT#{at}' } },
    })
    const tiers = db.model(Tier)
    const partnerId = uniqueId('partner')
    await tiers.create({ partnerId, rate: '12.3', at: new Date('2026-01-01T00:00:00.000Z') })
    const calls = db.meter.calls
    for (const attempt of [
      () => tiers.query({ partnerId, rate: '12.30' }),
      () => tiers.query({ partnerId }, { range: { ge: { rate: '1e1' } } }),
      () => tiers.query({ partnerId, at: new Date('2026-01-01T00:00:00.500Z') }, { index: 'byTime' }),
    ]) {
      const error = await attempt().catch((e: unknown) => e)
      expect(isDynamormError(error, 'ValidationError')).toBe(true)
    }
    expect(db.meter.calls).toBe(calls)
    expect((await tiers.query({ partnerId, rate: '12.3' })).items).toHaveLength(1)
  })

  it('rejects an item over 400 KB with ItemTooLargeError before sending', async () => {
    const payments = db.model(Payment)
    const calls = db.meter.calls
    const error = await payments
      .create(newPayment({ notes: ['x'.repeat(410 * 1024)] }))
      .catch((e: unknown) => e)
    expect(isDynamormError(error, 'ItemTooLargeError')).toBe(true)
    expect(db.meter.calls).toBe(calls)
    // Just under the limit goes through.
    await payments.create(newPayment({ notes: ['x'.repeat(395 * 1024)] }))
  })

  it('hides items whose TTL has passed (DynamoDB deletes them only eventually)', async () => {
    const payments = db.model(Payment)
    const expired = await payments.create(newPayment({ expiresAt: new Date(Date.now() - 60_000) }))
    const live = await payments.create(newPayment({ expiresAt: new Date(Date.now() + 3_600_000) }))
    expect(await payments.get({ partnerId: 'p1', id: expired.id })).toBeUndefined()
    expect(await payments.get({ partnerId: 'p1', id: expired.id }, { includeExpired: true })).toBeDefined()
    expect((await payments.get({ partnerId: 'p1', id: live.id }))?.expiresAt).toEqual(live.expiresAt)
  })
})

describe('update', () => {
  it('applies set, remove, add, subtract, append, prepend, deleteFromSet and setIfNotExists', async () => {
    const payments = db.model(Payment)
    const created = await payments.create(
      newPayment({
        captured: false,
        tags: new Set(['a', 'b', 'c']),
        notes: ['m'],
        scores: new Set([1]),
        minor: 10n,
      }),
    )
    const key = { partnerId: 'p1', id: created.id }
    const updated = await payments.update(key, {
      set: { captured: true },
      remove: ['exact'],
      add: { scores: new Set([2]), minor: 5n },
      subtract: { amount: 250 },
      append: { notes: ['z'] },
      deleteFromSet: { tags: new Set(['b']) },
      setIfNotExists: { meta: { first: 1 } },
    })
    expect(updated).toMatchObject({
      captured: true,
      amount: 1000,
      minor: 15n,
      notes: ['m', 'z'],
      tags: new Set(['a', 'c']),
      scores: new Set([1, 2]),
      version: 2,
      createdAt: created.createdAt,
    })
    const again = await payments.update(key, {
      prepend: { notes: ['first'] },
      setIfNotExists: { meta: { second: 2 } },
    })
    expect(again.notes).toEqual(['first', 'm', 'z'])
    expect(again.meta).toEqual({ first: 1 })
    // An index attribute set only if absent cannot be kept in step with its index key.
    const error = await payments
      .update(key, { setIfNotExists: { settledAt: new Date() } })
      .catch((e: unknown) => e)
    expect(isDynamormError(error, 'ValidationError')).toBe(true)
    expect(again.updatedAt >= again.createdAt).toBe(true)
  })

  it('checks the version, fails NotFound on a missing item, and upserts only when asked', async () => {
    const payments = db.model(Payment)
    const created = await payments.create(newPayment())
    const key = { partnerId: 'p1', id: created.id }
    const updated = await payments.update(key, { set: { status: 'AUTHORIZED' } }, { expectedVersion: 1 })
    expect(updated.version).toBe(2)
    const stale = await payments
      .update(key, { set: { status: 'SETTLED' } }, { expectedVersion: 1 })
      .catch((e: unknown) => e)
    expect(isDynamormError(stale, 'OptimisticLockError')).toBe(true)
    expect((stale as { item: { version: number } }).item.version).toBe(2)
    const missing = await payments
      .update({ partnerId: 'p1', id: 'ghost' }, { set: { captured: true } })
      .catch((e: unknown) => e)
    expect(isDynamormError(missing, 'NotFoundError')).toBe(true)
    const upserted = await payments.update(
      { partnerId: 'p1', id: uniqueId() },
      { set: { captured: true, amount: 5, status: 'PENDING' } },
      { upsert: true },
    )
    // Created as create would have made it: the default currency included.
    expect(upserted).toMatchObject({ captured: true, version: 1, currency: 'EUR' })
    expect(upserted.createdAt).toBe(upserted.updatedAt)
    // The item it creates holds its key attributes, as one made by create does.
    expect(upserted).toMatchObject({ partnerId: 'p1', id: expect.any(String) })
    const read = await payments.get({ partnerId: 'p1', id: upserted.id }, { consistent: true })
    expect(read).toEqual(upserted)
    // An upsert may create the item: without a required attribute it is refused, nothing sent.
    const incomplete = await payments
      .update({ partnerId: 'p1', id: uniqueId() }, { set: { amount: 6 } }, { upsert: true })
      .catch((e: unknown) => e)
    expect(isDynamormError(incomplete, 'ValidationError')).toBe(true)
    expect((incomplete as Error).message).toContain('status')
    expect(
      await payments.update(
        { partnerId: 'p1', id: upserted.id },
        { set: { amount: 6, status: 'PENDING' } },
        { upsert: true },
      ),
    ).toEqual({
      ...upserted,
      amount: 6,
      version: 2,
      updatedAt: expect.any(String),
    })
  })

  it('an upsert that creates the item writes the index keys create would, from defaults too', async () => {
    // A payout's status defaults to PENDING and keys its status index: an upserted payout held the
    // status but no index key, so the PENDING query never listed it.
    const Payout = defineModel({
      name: 'Payout',
      table: 'payments',
      attributes: {
        partnerId: string().required(),
        id: string().required(),
        status: enumeration(['PENDING', 'SENT']).required().default('PENDING'),
        amount: number(),
      },
      key: { pk: 'PARTNER#{partnerId}', sk: 'PAYOUT#{id}' },
      indexes: { byStatus: { type: 'gsi', pk: 'STATUS#{partnerId}#{status}', sk: 'PAYOUT#{id}' } },
    })
    const payouts = db.model(Payout)
    const partnerId = uniqueId('partner')
    const upserted = await payouts.update({ partnerId, id: 'a' }, { set: { amount: 5 } }, { upsert: true })
    expect(upserted).toEqual({ partnerId, id: 'a', status: 'PENDING', amount: 5 })
    const pending = await payouts.query({ partnerId, status: 'PENDING' }, { index: 'byStatus' })
    expect(pending.items).toEqual([upserted])
    // On an existing payout the default is not applied, and neither is the index key rendered from it.
    await payouts.update({ partnerId, id: 'a' }, { set: { status: 'SENT' } })
    await payouts.update({ partnerId, id: 'a' }, { set: { amount: 6 } }, { upsert: true })
    const sent = await payouts.query({ partnerId, status: 'SENT' }, { index: 'byStatus' })
    expect(sent.items).toEqual([{ partnerId, id: 'a', status: 'SENT', amount: 6 }])
    expect((await payouts.query({ partnerId, status: 'PENDING' }, { index: 'byStatus' })).items).toEqual([])
  })

  it('keeps index keys in step and refuses updates it cannot keep in step', async () => {
    const payments = db.model(Payment)
    const created = await payments.create(newPayment())
    const key = { partnerId: 'p1', id: created.id }
    await payments.update(key, {
      set: { status: 'SETTLED', settledAt: new Date('2024-02-02T00:00:00.000Z') },
    })
    const settled = await payments.query({ partnerId: 'p1', status: 'SETTLED' }, { index: 'byStatus' })
    expect(settled.items.map((item) => item.id)).toContain(created.id)
    const error = await payments.update(key, { remove: ['status' as never] }).catch((e: unknown) => e)
    expect(isDynamormError(error, 'ValidationError')).toBe(true)
    await payments.update(key, { remove: ['settledAt'] })
    const bySettled = await payments.query({ partnerId: 'p1' }, { index: 'bySettledAt' })
    expect(bySettled.items.map((item) => item.id)).not.toContain(created.id)
    const keyChange = await payments.update(key, { set: { id: 'other' } as never }).catch((e: unknown) => e)
    expect(isDynamormError(keyChange, 'ValidationError')).toBe(true)
  })

  it('returns the old item on a failed condition and rejects overlapping or empty updates', async () => {
    const payments = db.model(Payment)
    const created = await payments.create(newPayment())
    const key = { partnerId: 'p1', id: created.id }
    const error = await payments
      .update(key, { set: { captured: true } }, { where: (c) => c.gt('amount', 1_000_000) })
      .catch((e: unknown) => e)
    expect(isDynamormError(error, 'ConditionFailedError')).toBe(true)
    expect((error as { item: { id: string } }).item.id).toBe(created.id)
    for (const changes of [
      {},
      { set: { amount: 1 }, subtract: { amount: 1 } },
      { add: { status: 1 } as never },
    ]) {
      const bad = await payments.update(key, changes as never).catch((e: unknown) => e)
      expect(isDynamormError(bad, 'ValidationError')).toBe(true)
    }
    const old = await payments.update(key, { set: { amount: 7 } }, { returnValues: 'ALL_OLD' })
    expect(old.amount).toBe(1250)
  })
})

describe('nested paths', () => {
  it('sets and removes map fields and list elements, checking them by the schema', async () => {
    const payments = db.model(Payment)
    const created = await payments.create(
      newPayment({ card: { last4: '4242' }, notes: ['a', 'b'], meta: { 'x.y': { deep: 1 } } }),
    )
    const key = { partnerId: 'p1', id: created.id }
    const updated = await payments.update(key, {
      setPaths: [
        [['card', 'brand'], 'visa'],
        [['notes', 1], 'B'],
        [['meta', 'x.y', 'deep'], 2],
      ],
      removePaths: [['notes', 0]],
    })
    expect(updated.card).toEqual({ last4: '4242', brand: 'visa' })
    expect(updated.notes).toEqual(['B'])
    expect(updated.meta).toEqual({ 'x.y': { deep: 2 } })
    for (const changes of [
      { setPaths: [[['card', 'brand'], 5]] },
      { setPaths: [[['amount', 'x'], 1]] },
      { setPaths: [[['card'], 1]] },
      { setPaths: [[['card', 'brand'], undefined]] },
      { removePaths: [['cardNumber', 'x']] },
      { setPaths: [[['card', 'brand'], 'x']], set: { card: { last4: '1' } } },
    ]) {
      const error = await payments.update(key, changes as never).catch((e: unknown) => e)
      expect(isDynamormError(error, 'ValidationError'), JSON.stringify(changes)).toBe(true)
    }
  })

  it("refuses a nested path the map's schema does not have, and removing a required field", async () => {
    // card is map({ last4: required, brand }): create refuses { bogus } and a card without last4, and
    // an update stored both, so reads returned a card the item type says cannot exist.
    const payments = db.model(Payment)
    const created = await payments.create(
      newPayment({ card: { last4: '4242', brand: 'visa' }, meta: { any: { depth: 0 } } }),
    )
    const key = { partnerId: 'p1', id: created.id }
    const calls = db.meter.calls
    for (const changes of [
      { setPaths: [[['card', 'bogus'], 1]] },
      { setPaths: [[['card', 0], 'x']] },
      { setPaths: [[['notes', 'x'], 'y']] },
      { setPaths: [[['card', 'last4', 'x'], 'y']] },
      { removePaths: [['card', 'bogus']] },
      { removePaths: [['card', 'last4']] },
    ]) {
      const error = await payments.update(key, changes as never).catch((e: unknown) => e)
      expect(isDynamormError(error, 'ValidationError'), JSON.stringify(changes)).toBe(true)
    }
    expect(db.meter.calls).toBe(calls)
    expect(await payments.get(key, { consistent: true })).toEqual(created)
    // An optional field may go, and a map without fields takes any member.
    const updated = await payments.update(key, {
      removePaths: [['card', 'brand']],
      setPaths: [[['meta', 'any', 'depth'], 1] as never],
    })
    expect(updated.card).toEqual({ last4: '4242' })
    expect(updated.meta).toEqual({ any: { depth: 1 } })
  })
})

describe('capacity and encryption seam', () => {
  it('records consumed capacity per table and index for every call', async () => {
    const requestDb = db.forRequest()
    const payments = requestDb.model(Payment)
    await payments.create(newPayment({ status: 'AUTHORIZED' }))
    await payments.query({ partnerId: 'p1' })
    const totals = requestDb.meter.totals()
    expect(totals.calls).toBe(2)
    const table = totals.tables[env.table.name]
    expect(table?.writeCapacityUnits).toBeGreaterThan(0)
    expect(table?.readCapacityUnits).toBeGreaterThan(0)
    expect(Object.keys(table?.indexes ?? {})).toContain('byStatus')
  })

  it('passes encrypted attributes through the item transformer on write and read', async () => {
    const seen: string[] = []
    const transformer: ItemTransformer = {
      async beforeWrite(item, context) {
        seen.push(
          `write:${context.model}:${context.encryptedAttributes.join(',')}:${Object.keys(context.key).sort().join(',')}`,
        )
        const out = { ...item }
        for (const name of context.encryptedAttributes) {
          const value = item[name]
          if (value?.S !== undefined) out[name] = { S: `enc:${Buffer.from(value.S).toString('base64')}` }
        }
        return out
      },
      async afterRead(item, context) {
        const out = { ...item }
        for (const name of context.encryptedAttributes) {
          const value = item[name]
          if (value?.S?.startsWith('enc:'))
            out[name] = { S: Buffer.from(value.S.slice(4), 'base64').toString() }
        }
        return out
      },
    }
    const secureDb = db.scoped({ transformer })
    const payments = secureDb.model(Payment)
    const created = await payments.create(newPayment({ cardNumber: '4111111111111111' }))
    expect(created.cardNumber).toBe('4111111111111111')
    expect(seen[0]).toBe('write:Payment:cardNumber:pk,sk')
    // Stored as ciphertext: a plain db sees the transformed value.
    const raw = await db.model(Payment).get({ partnerId: 'p1', id: created.id })
    expect(raw?.cardNumber).toMatch(/^enc:/)
    expect((await payments.get({ partnerId: 'p1', id: created.id }))?.cardNumber).toBe('4111111111111111')
    const updated = await payments.update(
      { partnerId: 'p1', id: created.id },
      { set: { cardNumber: '5555' } },
    )
    expect(updated.cardNumber).toBe('5555')
    expect((await db.model(Payment).get({ partnerId: 'p1', id: created.id }))?.cardNumber).toBe(
      `enc:${Buffer.from('5555').toString('base64')}`,
    )
    // Encrypted attributes never reach expressions, and are never stored in clear without a transformer.
    for (const attempt of [
      () =>
        payments.update(
          { partnerId: 'p1', id: created.id },
          { set: { captured: true } },
          { where: (c) => c.eq('cardNumber' as never, 'x' as never) },
        ),
      () => payments.get({ partnerId: 'p1', id: created.id }, { projection: ['cardNumber' as never] }),
      () => payments.query({ partnerId: 'p1' }, { filter: (c) => c.exists('cardNumber' as never) }),
      () => db.model(Payment).create(newPayment({ cardNumber: '4111' })),
    ]) {
      expect(isDynamormError(await attempt().catch((e: unknown) => e), 'ValidationError')).toBe(true)
    }
  })
})
