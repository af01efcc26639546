// Item collections against DynamoDB Local: one Query returns a partition's payments and refunds, each
// decoded by its own model, and nothing of the other entities that share the partition.
import { describe, expect, it } from 'vitest'
import {
  collectionQueryParams,
  defineModel,
  type ItemTransformer,
  isDynamormError,
  itemCollection,
  number,
  string,
} from '../src/index.ts'
import { beaconCodec } from './beacon-codec.ts'
import { newPayment, Payment, paymentsTableForFile, Refund, uniqueId } from './fixtures.ts'

const env = paymentsTableForFile({ cursorSecret: 'collection-secret' })

/** A third entity of the same partitions, which no collection below asks for. */
const Note = defineModel({
  name: 'Note',
  table: 'payments',
  attributes: { partnerId: string().required(), id: string().required(), text: string() },
  key: { pk: 'PARTNER#{partnerId}', sk: 'NOTE#{id}' },
})

/** An order and its lines: the same partition, its variable named differently in each. */
export const Order = defineModel({
  name: 'Order',
  table: 'payments',
  attributes: { id: string().required(), total: number().required() },
  key: { pk: 'ORDER#{id}', sk: 'ORDER' },
})
export const OrderLine = defineModel({
  name: 'OrderLine',
  table: 'payments',
  attributes: { orderId: string().required(), line: number().required() },
  key: { pk: 'ORDER#{orderId}', sk: 'LINE#{line}' },
})

const refused = (run: () => unknown) => {
  try {
    run()
  } catch (error) {
    expect(isDynamormError(error, 'ValidationError')).toBe(true)
    return (error as Error).message
  }
  throw new Error('expected a ValidationError')
}

/** A partner's partition: payments a1, a2 with refunds, a note, and another partner's payment. */
async function partition(refundsOfA1 = 2) {
  const partnerId = uniqueId('partner')
  const payments = env.db.model(Payment)
  const a1 = await payments.create(newPayment({ partnerId, id: 'a1' }))
  const a2 = await payments.create(newPayment({ partnerId, id: 'a2', amount: 99 }))
  const refunds = []
  for (let index = 0; index < refundsOfA1; index++) {
    refunds.push(
      await env.db.model(Refund).create({ partnerId, id: `r${index}`, paymentId: 'a1', amount: 10 + index }),
    )
  }
  await env.db.model(Note).create({ partnerId, id: 'n1', text: 'called the customer' })
  await payments.create(newPayment({ partnerId: `${partnerId}-other`, id: 'a1' }))
  return { partnerId, payments: [a1, a2], refunds }
}

describe('item collections', () => {
  it('reads the members of one partition in one Query, each by its own model, and no other entity', async () => {
    const { partnerId, payments, refunds } = await partition()
    const db = env.db.forRequest()
    const page = await itemCollection(db, { payments: Payment, refunds: Refund }).query({ partnerId })
    expect(page.items).toEqual({ payments, refunds })
    expect(page.count).toBe(4)
    // The note is read (ScannedCount) but filtered out.
    expect(page.scannedCount).toBe(5)
    expect(page.cursor).toBeUndefined()
    expect(db.meter.calls).toBe(1)
    // Every member is present, [] when it has no item.
    const notes = await itemCollection(env.db, { refunds: Refund, notes: Note }).query(
      { partnerId },
      { order: 'desc' },
    )
    expect(notes.items).toEqual({
      refunds: [...refunds].reverse(),
      notes: [{ partnerId, id: 'n1', text: 'called the customer' }],
    })
    const none = await itemCollection(env.db, { payments: Payment, refunds: Refund }).query({
      partnerId: uniqueId('empty'),
    })
    expect(none.items).toEqual({ payments: [], refunds: [] })
  })

  it('pages by limit across members with a cursor: no item lost or repeated', async () => {
    const { partnerId, payments, refunds } = await partition(5)
    const collection = itemCollection(env.db, { payments: Payment, refunds: Refund })
    const seen: { payments: unknown[]; refunds: unknown[] } = { payments: [], refunds: [] }
    let cursor: string | undefined
    let pages = 0
    do {
      const page = await collection.query({ partnerId }, { limit: 3, cursor, consistent: true })
      expect(page.count).toBeLessThanOrEqual(3)
      seen.payments.push(...page.items.payments)
      seen.refunds.push(...page.items.refunds)
      cursor = page.cursor
      pages++
    } while (cursor !== undefined)
    expect(seen).toEqual({ payments, refunds })
    expect(pages).toBeGreaterThanOrEqual(3)
    // A limit is met across pages although the note in between is filtered out.
    const first = await collection.query({ partnerId }, { limit: 7 })
    expect(first.count).toBe(7)
    expect([...first.items.payments, ...first.items.refunds]).toHaveLength(7)
  })

  it('asks DynamoDB for a strongly consistent read when told (1 read unit, not 0.5)', async () => {
    const { partnerId } = await partition(0)
    const members = { payments: Payment, refunds: Refund }
    const strong = env.db.forRequest()
    await itemCollection(strong, members).query({ partnerId }, { consistent: true })
    expect(strong.meter.totals().readCapacityUnits).toBe(1)
    const eventual = env.db.forRequest()
    await itemCollection(eventual, members).query({ partnerId })
    expect(eventual.meter.totals().readCapacityUnits).toBe(0.5)
  })

  it("refuses a model query's cursor and another collection's, and resumes from its own", async () => {
    const { partnerId, payments, refunds } = await partition(3)
    const modelCursor = (await env.db.model(Refund).query({ partnerId }, { limit: 1 })).cursor!
    const collection = itemCollection(env.db, { payments: Payment, refunds: Refund })
    const error = await collection.query({ partnerId }, { cursor: modelCursor }).catch((e: unknown) => e)
    expect(isDynamormError(error, 'ValidationError')).toBe(true)
    expect((error as Error).message).toMatch(/another table or index/)
    const otherCursor = (
      await itemCollection(env.db, { refunds: Refund, notes: Note }).query({ partnerId }, { limit: 1 })
    ).cursor!
    await expect(collection.query({ partnerId }, { cursor: otherCursor })).rejects.toMatchObject({
      name: 'ValidationError',
    })
    // Its own cursor goes the other way too: the model query refuses it.
    const own = (await collection.query({ partnerId }, { limit: 3 })).cursor!
    await expect(env.db.model(Refund).query({ partnerId }, { cursor: own })).rejects.toMatchObject({
      name: 'ValidationError',
    })
    // The same entities under other names continue where it stopped (a1, r0, r1 | r2, a2).
    const rest = await itemCollection(env.db, { r: Refund, p: Payment }).query({ partnerId }, { cursor: own })
    expect(rest.items).toEqual({ r: refunds.slice(2), p: payments.slice(1) })
    // Tampered with: the signature no longer matches.
    await expect(collection.query({ partnerId }, { cursor: `x${own}` })).rejects.toMatchObject({
      name: 'ValidationError',
    })
  })

  it('refuses members that do not share one partition, at construction', () => {
    const Elsewhere = defineModel({
      name: 'Elsewhere',
      table: 'ledger',
      attributes: { partnerId: string().required() },
      key: { pk: 'PARTNER#{partnerId}' },
    })
    const OtherPk = defineModel({
      name: 'OtherPk',
      table: 'payments',
      attributes: { partnerId: string().required() },
      key: { pk: 'PARTNER#{partnerId}' },
      keyAttributes: { pk: 'gpk' },
    })
    const OtherText = defineModel({
      name: 'OtherText',
      table: 'payments',
      attributes: { partnerId: string().required() },
      key: { pk: 'MERCHANT#{partnerId}' },
    })
    const MoreParts = defineModel({
      name: 'MoreParts',
      table: 'payments',
      attributes: { partnerId: string().required(), day: string().required() },
      key: { pk: 'PARTNER#{partnerId}#{day}' },
    })
    const SameName = defineModel({
      name: 'Payment',
      table: 'payments',
      attributes: { partnerId: string().required() },
      key: { pk: 'PARTNER#{partnerId}' },
    })
    expect(refused(() => itemCollection(env.db, {}))).toMatch(/at least one member/)
    expect(refused(() => itemCollection(env.db, { p: Payment, e: Elsewhere }))).toMatch(/table ledger/)
    expect(refused(() => itemCollection(env.db, { p: Payment, o: OtherPk }))).toMatch(/attribute gpk/)
    expect(refused(() => itemCollection(env.db, { p: Payment, o: OtherText }))).toMatch(/MERCHANT/)
    expect(refused(() => itemCollection(env.db, { p: Payment, m: MoreParts }))).toMatch(/does not render/)
    expect(refused(() => itemCollection(env.db, { p: Payment, s: SameName }))).toMatch(/repeats the entity/)
    expect(refused(() => itemCollection(env.db, { p: Payment, x: {} as typeof Refund }))).toMatch(
      /x is not a model/,
    )
  })

  it("takes any member's partition-key names, and refuses a key naming no partition or two", async () => {
    const id = uniqueId('order')
    await env.db.model(Order).create({ id, total: 30 })
    await env.db.model(OrderLine).create({ orderId: id, line: 1 })
    const order = itemCollection(env.db, { order: Order, lines: OrderLine })
    const expected = { order: [{ id, total: 30 }], lines: [{ orderId: id, line: 1 }] }
    expect((await order.query({ id })).items).toEqual(expected)
    expect((await order.query({ orderId: id })).items).toEqual(expected)
    expect((await order.query({ id, orderId: id })).items).toEqual(expected)
    await expect(order.query({ id, orderId: 'another' })).rejects.toThrow(/more than one partition/)
    await expect(order.query({} as { id: string })).rejects.toThrow(/partition key value id/)
    // A value that cannot be in a key is refused, as in a model query.
    await expect(order.query({ id: 'a#b' })).rejects.toMatchObject({ name: 'ValidationError' })
  })

  it('decrypts encrypted member fields through the Db transformer, and a projection leaves them unread', async () => {
    const codec = beaconCodec()
    let decrypted = 0
    const transformer: ItemTransformer = {
      ...codec,
      afterRead: (item, context) => {
        decrypted++
        return codec.afterRead(item, context)
      },
    }
    const db = env.db.scoped({ transformer })
    const partnerId = uniqueId('sealed')
    const payment = await db.model(Payment).create(newPayment({ partnerId, cardNumber: '4111111111111111' }))
    const refund = await db.model(Refund).create({ partnerId, id: 'r1', paymentId: payment.id, amount: 5 })
    decrypted = 0
    const collection = itemCollection(db, { payments: Payment, refunds: Refund })
    const page = await collection.query({ partnerId })
    expect(page.items).toEqual({ payments: [payment], refunds: [refund] })
    expect(page.items.payments[0]?.cardNumber).toBe('4111111111111111')
    expect(page.items.payments[0]).not.toHaveProperty('cardNumberBeacon')
    expect(decrypted).toBe(1)
    decrypted = 0
    const projected = await collection.query({ partnerId }, { projection: ['id', 'amount', 'paymentId'] })
    expect(projected.items).toEqual({
      payments: [{ id: payment.id, amount: payment.amount }],
      refunds: [{ id: 'r1', amount: 5, paymentId: payment.id }],
    })
    expect(decrypted).toBe(0)
    await expect(collection.query({ partnerId }, { projection: ['cardNumber' as 'id'] })).rejects.toThrow(
      /encrypted attribute cardNumber/,
    )
    await expect(collection.query({ partnerId }, { projection: [] })).rejects.toThrow(/at least one/)
  })

  it("hides a member's expired items unless asked, each member by its own TTL", async () => {
    const partnerId = uniqueId('ttl')
    const now = new Date('2030-01-01T00:00:00Z')
    const payments = env.db.model(Payment)
    const live = await payments.create(newPayment({ partnerId, expiresAt: new Date('2031-01-01T00:00:00Z') }))
    const expired = await payments.create(
      newPayment({ partnerId, expiresAt: new Date('2029-01-01T00:00:00Z') }),
    )
    const refund = await env.db.model(Refund).create({ partnerId, id: 'r1', paymentId: live.id, amount: 1 })
    const collection = itemCollection(env.db, { payments: Payment, refunds: Refund })
    expect((await collection.query({ partnerId }, { now })).items).toEqual({
      payments: [live],
      refunds: [refund],
    })
    const all = await collection.query({ partnerId }, { now, includeExpired: true })
    expect(all.items.payments.map((item) => item.id).sort()).toEqual([live.id, expired.id].sort())
  })

  it('builds the Query without sending it: the key, one filter per member, and the options', () => {
    const params = collectionQueryParams(
      { payments: Payment, refunds: Refund },
      { partnerId: 'p1' },
      { table: 'physical', consistent: true, limit: 10, order: 'desc', includeExpired: true },
    )
    expect(params).toMatchObject({
      TableName: 'physical',
      ConsistentRead: true,
      Limit: 10,
      ScanIndexForward: false,
    })
    expect(params.KeyConditionExpression).toMatch(/^#\w+ = :\w+$/)
    expect(Object.values(params.ExpressionAttributeValues ?? {})).toEqual([
      { S: 'PARTNER#p1' },
      { S: 'Payment' },
      { S: 'Refund' },
    ])
    expect(params.FilterExpression).toContain(' OR ')
    expect(collectionQueryParams({ refunds: Refund }, { partnerId: 'p1' }).TableName).toBe('payments')
    for (const limit of [0, 1.5]) {
      expect(
        refused(() => collectionQueryParams({ refunds: Refund }, { partnerId: 'p1' }, { limit })),
      ).toMatch(/limit must be a positive integer/)
    }
  })
})
