import { describe, expectTypeOf, it } from 'vitest'
import {
  type ConflictRetryOptions,
  createDb,
  type Db,
  type Entity,
  getParams,
  type InputOf,
  type ItemOf,
  type KeyOf,
  type Page,
  queryParams,
  transactWrite,
} from '../src/index.ts'
import { Payment, type Refund } from './fixtures.ts'

declare const payments: Entity<typeof Payment>
declare const refunds: Entity<typeof Refund>

describe('inferred types', () => {
  it('infers item, input and key types', () => {
    type Item = ItemOf<typeof Payment>
    expectTypeOf<Item['amount']>().toEqualTypeOf<number>()
    expectTypeOf<Item['minor']>().toEqualTypeOf<bigint | undefined>()
    expectTypeOf<Item['exact']>().toEqualTypeOf<string | undefined>()
    expectTypeOf<Item['status']>().toEqualTypeOf<'PENDING' | 'AUTHORIZED' | 'SETTLED'>()
    expectTypeOf<Item['tags']>().toEqualTypeOf<Set<string> | undefined>()
    expectTypeOf<Item['settledAt']>().toEqualTypeOf<Date | undefined>()
    expectTypeOf<Item['card']>().toEqualTypeOf<{ last4: string; brand?: string } | undefined>()
    expectTypeOf<Item['version']>().toEqualTypeOf<number>()
    expectTypeOf<Item['createdAt']>().toEqualTypeOf<string>()
    expectTypeOf<KeyOf<typeof Payment>>().toEqualTypeOf<{ partnerId: string; id: string }>()
    // currency has a default: input may omit it.
    expectTypeOf<{ partnerId: string; id: string; amount: number; status: 'PENDING' }>().toExtend<
      InputOf<typeof Payment>
    >()
  })

  it('a wrong key or a missing partition key does not compile', () => {
    payments.get({ partnerId: 'p', id: '1' })
    // @ts-expect-error id is missing
    payments.get({ partnerId: 'p' })
    // @ts-expect-error amount is not a key attribute
    payments.get({ partnerId: 'p', id: '1', amount: 3 })
    // @ts-expect-error wrong type
    getParams(Payment, { partnerId: 1, id: '1' })
    payments.query({ partnerId: 'p' })
    payments.query({ partnerId: 'p', id: 'x' })
    // @ts-expect-error a query needs its partition key
    payments.query({ id: 'x' })
    // @ts-expect-error the byStatus index needs status as well
    payments.query({ partnerId: 'p' }, { index: 'byStatus' })
    payments.query({ partnerId: 'p', status: 'SETTLED' }, { index: 'byStatus' })
    // A key that would do for every index, so that only the index name is wrong.
    const everyIndexKey = { partnerId: 'p', status: 'SETTLED', settledAt: new Date() } as const
    // @ts-expect-error no such index
    queryParams(Payment, everyIndexKey, { index: 'nope' })
    // @ts-expect-error no such index
    payments.query(everyIndexKey, { index: 'byStatuss' })
    // @ts-expect-error no such index
    payments.count(everyIndexKey, { index: 'nope' })
    payments.scan({ index: 'byStatus' })
    // @ts-expect-error no such index
    payments.scan({ index: 'nope' })
    // @ts-expect-error a query's key values have the attributes' types
    payments.query({ partnerId: 1 })
    // @ts-expect-error missing required attributes
    payments.create({ partnerId: 'p', id: '1' })
  })

  it('a wrong key does not compile for update, delete, batchGet or conditionCheck either', () => {
    // @ts-expect-error id is missing
    payments.update({ partnerId: 'p' }, { set: { amount: 1 } })
    // @ts-expect-error amount is not a key attribute
    payments.delete({ partnerId: 'p', id: '1', amount: 3 })
    // @ts-expect-error wrong type
    payments.delete({ partnerId: 'p', id: 1 })
    // @ts-expect-error id is missing
    payments.batchGet([{ partnerId: 'p', id: '1' }, { partnerId: 'p' }])
    // @ts-expect-error id is missing
    payments.transactItem.conditionCheck({ partnerId: 'p' }, (c) => c.exists('amount'))
    // @ts-expect-error id is missing
    payments.queue.delete({ partnerId: 'p' })
  })

  it('an item to write has every required attribute, known attributes only, and valid enum values', () => {
    const input = { partnerId: 'p', id: '1', amount: 1, status: 'PENDING' } as const
    payments.create(input)
    // @ts-expect-error status is required
    payments.create({ partnerId: 'p', id: '1', amount: 1 })
    // @ts-expect-error LOST is not a status
    payments.put({ ...input, status: 'LOST' })
    // @ts-expect-error amountt is not an attribute (a typo must not be stored)
    payments.create({ ...input, amountt: 2 })
    // @ts-expect-error the value has the attribute's type
    payments.queue.put({ ...input, amount: '1' })
    // @ts-expect-error LOST is not a status
    payments.update({ partnerId: 'p', id: '1' }, { set: { status: 'LOST' } })
  })

  it('a range needs a sort key: on a table or index without one it does not compile', async () => {
    const { defineModel, number, string } = await import('../src/index.ts')
    const Balance = defineModel({
      name: 'Balance',
      table: 't',
      attributes: { accountId: string().required(), currency: string(), amount: number() },
      key: { pk: 'BALANCE#{accountId}' },
      indexes: {
        byCurrency: { type: 'gsi', pk: 'CURRENCY#{currency}' },
        byAmount: { type: 'gsi', pk: 'CURRENCY#{currency}', sk: 'AMOUNT#{amount}' },
      },
    })
    const balances = {} as Entity<typeof Balance>
    balances.query({ accountId: 'a' })
    balances.query({ currency: 'EUR' }, { index: 'byAmount', range: { gt: { amount: 10 } } })
    // @ts-expect-error the table has no sort key to range over
    balances.query({ accountId: 'a' }, { range: { gt: {} } })
    // @ts-expect-error the index has no sort key to range over
    balances.query({ currency: 'EUR' }, { index: 'byCurrency', range: { ge: {} } })
    // @ts-expect-error a range is in sort-key values, and amount is not one
    payments.query({ partnerId: 'p' }, { range: { gt: { amount: 1 } } })
  })

  it('types conditions, updates and projections, and keeps encrypted attributes out', () => {
    payments.update(
      { partnerId: 'p', id: '1' },
      { set: { amount: 1 }, add: { scores: new Set([1]) }, remove: ['notes'] },
    )
    // @ts-expect-error key attributes cannot be updated
    payments.update({ partnerId: 'p', id: '1' }, { set: { id: '2' } })
    // @ts-expect-error required attributes cannot be removed
    payments.update({ partnerId: 'p', id: '1' }, { remove: ['amount'] })
    // @ts-expect-error add needs a number or a set
    payments.update({ partnerId: 'p', id: '1' }, { add: { status: 1 } })
    payments.update(
      { partnerId: 'p', id: '1' },
      // @ts-expect-error the value has the attribute's type
      { set: { amount: 'x' } },
      { where: (c) => c.eq('amount', 1) },
    )
    payments.delete(
      { partnerId: 'p', id: '1' },
      { where: (c) => c.and(c.eq('status', 'PENDING'), c.gt('amount', 5)) },
    )
    // @ts-expect-error wrong value type in a condition
    payments.delete({ partnerId: 'p', id: '1' }, { where: (c) => c.eq('status', 'LOST') })
    // @ts-expect-error encrypted attributes cannot be used in conditions
    payments.delete({ partnerId: 'p', id: '1' }, { where: (c) => c.exists('cardNumber') })
    // @ts-expect-error encrypted attributes cannot be projected
    payments.get({ partnerId: 'p', id: '1' }, { projection: ['cardNumber'] })
    // @ts-expect-error encrypted attributes cannot be projected
    payments.query({ partnerId: 'p' }, { projection: ['amount', 'cardNumber'] })
    // @ts-expect-error encrypted attributes cannot be projected
    payments.scan({ projection: ['cardNumber'] })
    // @ts-expect-error encrypted attributes cannot be filtered on
    payments.query({ partnerId: 'p' }, { filter: (c) => c.eq('cardNumber', '4111111111111111') })
    // @ts-expect-error encrypted attributes cannot be filtered on
    payments.scan({ filter: (c) => c.beginsWith('cardNumber', '4111') })
    // @ts-expect-error encrypted attributes cannot be filtered on
    payments.count({ partnerId: 'p' }, { filter: (c) => c.exists('cardNumber') })
    const key = { partnerId: 'p', id: '1' }
    // @ts-expect-error encrypted attributes cannot be used in conditions
    payments.update(key, { set: { amount: 1 } }, { where: (c) => c.eq('cardNumber', 'x') })
    const input = { ...key, amount: 1, status: 'PENDING' } as const
    // @ts-expect-error encrypted attributes cannot be used in conditions
    payments.put(input, { where: (c) => c.exists('cardNumber') })
    // @ts-expect-error encrypted attributes cannot be used in conditions
    payments.transactItem.conditionCheck({ partnerId: 'p', id: '1' }, (c) => c.notExists('cardNumber'))
    // @ts-expect-error encrypted attributes can only be set or removed: no arithmetic on ciphertext
    payments.update({ partnerId: 'p', id: '1' }, { add: { cardNumber: 'x' } })
    // @ts-expect-error encrypted attributes cannot be updated in part
    payments.update({ partnerId: 'p', id: '1' }, { setPaths: [[['cardNumber', 0], 'x']] })
    payments.update(
      { partnerId: 'p', id: '1' },
      { set: { cardNumber: '4111111111111111' }, remove: ['notes'] },
    )
    payments.update({ partnerId: 'p', id: '1' }, { remove: ['cardNumber'] })
  })

  it('names that are not attributes do not compile in filters, conditions, projections or updates', () => {
    // @ts-expect-error amout is not an attribute
    payments.query({ partnerId: 'p' }, { filter: (c) => c.gt('amout', 1) })
    // @ts-expect-error amout is not an attribute
    payments.delete({ partnerId: 'p', id: '1' }, { where: (c) => c.exists('amout') })
    // @ts-expect-error amout is not an attribute
    payments.get({ partnerId: 'p', id: '1' }, { projection: ['amout'] })
    // @ts-expect-error amout is not an attribute
    payments.update({ partnerId: 'p', id: '1' }, { set: { amout: 1 } })
    // @ts-expect-error amout is not an attribute
    payments.update({ partnerId: 'p', id: '1' }, { add: { amout: 1 } })
    // @ts-expect-error amout is not an attribute
    payments.update({ partnerId: 'p', id: '1' }, { remove: ['amout'] })
  })

  it('nested paths start at a map or a list attribute', () => {
    const key = { partnerId: 'p', id: '1' }
    payments.update(key, { setPaths: [[['card', 'brand'], 'visa']], removePaths: [['notes', 0]] })
    // @ts-expect-error amount is a number: it has no fields or elements
    payments.update(key, { setPaths: [[['amount', 'minor'], 1]] })
    // @ts-expect-error settledAt is a date: it has no fields
    payments.update(key, { removePaths: [['settledAt', 'day']] })
    // @ts-expect-error carrd is not an attribute
    payments.update(key, { setPaths: [[['carrd', 'brand'], 'visa']] })
  })

  it('the version and the timestamps the model keeps cannot be updated by hand', () => {
    const key = { partnerId: 'p', id: '1' }
    payments.update(key, { set: { amount: 2 } }, { expectedVersion: 3 })
    payments.delete(key, { expectedVersion: 3 })
    const refundKey = { partnerId: 'p', paymentId: 'pay', id: 'r' }
    // @ts-expect-error Refund has no version: there is nothing to check expectedVersion against
    refunds.update(refundKey, { set: { amount: 2 } }, { expectedVersion: 3 })
    // @ts-expect-error Refund has no version: there is nothing to check expectedVersion against
    refunds.delete(refundKey, { expectedVersion: 3 })
    // @ts-expect-error Refund has no version: there is nothing to check expectedVersion against
    refunds.queue.delete(refundKey, { expectedVersion: 3 })
    // @ts-expect-error the version is bumped by the model (use expectedVersion)
    payments.update(key, { set: { version: 7 } })
    // @ts-expect-error the version is bumped by the model (use expectedVersion)
    payments.update(key, { setIfNotExists: { version: 1 } })
    // @ts-expect-error the version is bumped by the model (use expectedVersion)
    payments.update(key, { add: { version: 1 } })
    // @ts-expect-error the version is bumped by the model (use expectedVersion)
    payments.update(key, { subtract: { version: 1 } })
    // @ts-expect-error the version is bumped by the model (use expectedVersion)
    payments.queue.update(key, { set: { version: 7 } })
    // @ts-expect-error the version is bumped by the model (use expectedVersion)
    payments.transactItem.update(key, { set: { version: 7 } })
    // @ts-expect-error updatedAt is kept by the model
    payments.update(key, { set: { updatedAt: '2024-01-01T00:00:00.000Z' } })
    // @ts-expect-error createdAt is kept by the model
    payments.update(key, { setIfNotExists: { createdAt: '2024-01-01T00:00:00.000Z' } })
    expectTypeOf(
      payments.get({ partnerId: 'p', id: '1' }, { projection: ['amount', 'status'] }),
    ).resolves.toEqualTypeOf<{ amount: number; status: 'PENDING' | 'AUTHORIZED' | 'SETTLED' } | undefined>()
    expectTypeOf(payments.query({ partnerId: 'p' })).resolves.toEqualTypeOf<Page<ItemOf<typeof Payment>>>()
  })

  it('queue methods take the unit-of-work label in their options, or (older form) last', () => {
    const key = { partnerId: 'p', id: '1' }
    const input = { partnerId: 'p', id: '1', amount: 1, status: 'PENDING' as const }
    expectTypeOf(payments.queue.create(input, { label: 'payment' })).resolves.toEqualTypeOf<void>()
    payments.queue.create(input, undefined, { label: 'payment' })
    payments.queue.put(input, { label: 'payment', where: (c) => c.eq('status', 'PENDING') })
    payments.queue.put(input, {}, { label: 'payment' })
    payments.queue.update(key, { set: { status: 'SETTLED' } }, { expectedVersion: 2, label: 'settle' })
    payments.queue.update(key, { set: { status: 'SETTLED' } }, undefined, { label: 'settle' })
    payments.queue.delete(key, { label: 'void' })
    payments.queue.delete(key, undefined, { label: 'void' })
    payments.queue.conditionCheck(key, (c) => c.eq('amount', 1), { label: 'check' })
    // @ts-expect-error a label is a string
    payments.queue.create(input, { label: 1 })
    // @ts-expect-error a label is a string (older form)
    payments.queue.delete(key, undefined, { label: 1 })
    // @ts-expect-error queued writes take no returnValues: TransactWriteItems cannot return items
    payments.queue.update(key, { set: { amount: 2 } }, { returnValues: 'ALL_OLD' })
    // @ts-expect-error nothing after the queue options
    payments.queue.delete(key, undefined, { label: 'void' }, {})
    // @ts-expect-error conditionCheck has no write options before the queue options
    payments.queue.conditionCheck(key, (c) => c.eq('amount', 1), undefined, { label: 'check' })
  })

  it('gives entity ops from a db', () => {
    const db = createDb({ client: {} as never })
    expectTypeOf(db.model(Payment)).toEqualTypeOf<Entity<typeof Payment>>()
  })
})

describe('model definitions', () => {
  it('rejects encrypted, unknown or non-scalar attributes in keys at compile time', async () => {
    const { defineModel, list, string } = await import('../src/index.ts')
    defineModel({ name: 'Ok', table: 't', attributes: { id: string() }, key: { pk: 'X#{id}' } })
    defineModel({
      name: 'Secret',
      table: 't',
      attributes: { id: string().encrypted() },
      // @ts-expect-error an encrypted attribute cannot be in a key
      key: { pk: 'X#{id}' },
    })
    defineModel({
      name: 'Typo',
      table: 't',
      attributes: { id: string() },
      // @ts-expect-error {idd} is not an attribute
      key: { pk: 'X#{idd}' },
    })
    defineModel({
      name: 'Listed',
      table: 't',
      attributes: { id: list(string()).required() },
      // @ts-expect-error a list cannot be in a key
      key: { pk: 'X#{id}' },
    })
  })

  it('rejects encrypted, unknown or non-scalar attributes in index key templates at compile time', async () => {
    const { defineModel, string, stringSet } = await import('../src/index.ts')
    const attributes = {
      partnerId: string().required(),
      id: string().required(),
      cardNumber: string().encrypted(),
      fingerprint: string(),
      tags: stringSet(),
    }
    const key = { pk: 'PARTNER#{partnerId}', sk: 'CARD#{id}' } as const
    defineModel({
      name: 'Card',
      table: 't',
      attributes,
      key,
      indexes: {
        byFingerprint: { type: 'gsi', pk: 'FP#{fingerprint}', sparse: true },
        byId: { type: 'lsi', sk: 'ID#{id}' },
      },
    })
    defineModel({
      name: 'Card',
      table: 't',
      attributes,
      key,
      indexes: {
        // @ts-expect-error an encrypted attribute cannot be in an index key (it is stored in clear)
        byCardNumber: { type: 'gsi', pk: 'PAN#{cardNumber}' },
      },
    })
    defineModel({
      name: 'Card',
      table: 't',
      attributes,
      key,
      indexes: {
        // @ts-expect-error an encrypted attribute cannot be in an index key (it is stored in clear)
        byCardNumber: { type: 'gsi', pk: 'P#{partnerId}', sk: 'PAN#{cardNumber}' },
      },
    })
    defineModel({
      name: 'Card',
      table: 't',
      attributes,
      key,
      indexes: {
        // @ts-expect-error an encrypted attribute cannot be in an index key (it is stored in clear)
        byCardNumber: { type: 'lsi', sk: 'PAN#{cardNumber}' },
      },
    })
    defineModel({
      name: 'Card',
      table: 't',
      attributes,
      key,
      indexes: {
        // @ts-expect-error {fingerprnt} is not an attribute
        byFingerprint: { type: 'gsi', pk: 'FP#{fingerprnt}' },
      },
    })
    defineModel({
      name: 'Card',
      table: 't',
      attributes,
      key,
      indexes: {
        // @ts-expect-error a set cannot be in an index key
        byTags: { type: 'gsi', pk: 'TAGS#{tags}' },
      },
    })
  })

  it('a TTL attribute is a number or a date kept in clear', async () => {
    const { date, defineModel, number, string } = await import('../src/index.ts')
    const attributes = {
      id: string().required(),
      expiresAt: date('epochSeconds'),
      holdUntil: number(),
      note: string(),
      sealedExpiry: number().encrypted(),
    }
    const key = { pk: 'HOLD#{id}' } as const
    defineModel({ name: 'Hold', table: 't', attributes, key, ttl: 'expiresAt' })
    defineModel({ name: 'Hold', table: 't', attributes, key, ttl: 'holdUntil' })
    // @ts-expect-error a string cannot hold a TTL
    defineModel({ name: 'Hold', table: 't', attributes, key, ttl: 'note' })
    // @ts-expect-error DynamoDB cannot read an encrypted TTL
    defineModel({ name: 'Hold', table: 't', attributes, key, ttl: 'sealedExpiry' })
    // @ts-expect-error expires is not an attribute
    defineModel({ name: 'Hold', table: 't', attributes, key, ttl: 'expires' })
  })
})

describe('conflict retries', () => {
  it('are an opt-in option of transactWrite and commit, commit(token) unchanged', async () => {
    const db = {} as Db
    expectTypeOf<ConflictRetryOptions>().toEqualTypeOf<{ conflictRetries?: number; baseDelayMs?: number }>()
    expectTypeOf(db.unitOfWork.commit).parameters.toEqualTypeOf<
      [clientRequestToken?: string, options?: ConflictRetryOptions]
    >()
    await db.unitOfWork.commit('request-id')
    await db.unitOfWork.commit('request-id', { conflictRetries: 3, baseDelayMs: 25 })
    await transactWrite(db, [], { clientRequestToken: 't', conflictRetries: 2 })
    // @ts-expect-error a count of retries, not a flag
    await transactWrite(db, [], { clientRequestToken: 't', conflictRetries: true })
    // @ts-expect-error the options come after the token
    await db.unitOfWork.commit({ conflictRetries: 1 })
  })
})
