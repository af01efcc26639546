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
import { Payment } from './fixtures.ts'

declare const payments: Entity<typeof Payment>

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
    // @ts-expect-error no such index
    queryParams(Payment, { partnerId: 'p' }, { index: 'nope' })
    // @ts-expect-error missing required attributes
    payments.create({ partnerId: 'p', id: '1' })
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
  it('rejects encrypted or unknown attributes in keys at compile time', async () => {
    const { defineModel, string } = await import('../src/index.ts')
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
