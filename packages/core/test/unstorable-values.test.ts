// Values DynamoDB cannot store are a ValidationError (400) naming the attribute, before anything is
// sent: not a bare error (a 500) nor a round trip ending in DynamoDB's ValidationException.
import { describe, expect, it } from 'vitest'
import { type Entity, isDynamormError } from '../src/index.ts'
import { newPayment, Payment, paymentsTableForFile } from './fixtures.ts'

const env = paymentsTableForFile()
type DeleteWhere = NonNullable<Parameters<Entity<typeof Payment>['delete']>[1]>['where']

/** Creates each input and expects a ValidationError naming `attribute`, never the value, and no call. */
async function refusedBeforeSending(inputs: [attribute: string, input: Record<string, unknown>][]) {
  const payments = env.db.model(Payment)
  const calls = env.db.meter.calls
  for (const [attribute, input] of inputs) {
    const error = await payments.create(input as never).catch((e: unknown) => e)
    expect(isDynamormError(error, 'ValidationError'), `${attribute}: ${String(error)}`).toBe(true)
    expect((error as { details?: { attribute?: string } }).details?.attribute, attribute).toBe(attribute)
  }
  expect(env.db.meter.calls).toBe(calls)
}

describe('numbers', () => {
  it('refuses a number outside DynamoDB range or over 38 significant digits, naming the attribute', async () => {
    await refusedBeforeSending([
      ['amount', newPayment({ amount: 1e-200 })],
      ['amount', newPayment({ amount: 1e126 })],
      ['minor', newPayment({ minor: 10n ** 38n + 1n })],
      ['minor', newPayment({ minor: -(10n ** 126n) })],
      ['exact', newPayment({ exact: `1.${'1'.repeat(38)}` })],
      ['exact', newPayment({ exact: '1e-131' })],
      ['exact', newPayment({ exact: '1e126' })],
      ['scores', newPayment({ scores: new Set([1, 1e-131]) })],
      ['meta.rate', newPayment({ meta: { rate: 1e300 } })],
      ['meta.minor', newPayment({ meta: { minor: 2n ** 130n } })],
      ['meta.ids', newPayment({ meta: { ids: new Set([1n, 10n ** 40n + 1n]) } })],
    ])
  })

  it('refuses such a number in a condition before sending', async () => {
    const payments = env.db.model(Payment)
    const created = await payments.create(newPayment({ scores: new Set([1]) }))
    const calls = env.db.meter.calls
    for (const where of [
      (c) => c.contains('scores', 1e-200),
      (c) => c.eq('amount', 1e200),
    ] satisfies DeleteWhere[]) {
      const error = await payments.delete(created, { where }).catch((e: unknown) => e)
      expect(isDynamormError(error, 'ValidationError'), String(error)).toBe(true)
      expect((error as { details?: { attribute?: string } }).details?.attribute).toBeDefined()
    }
    expect(env.db.meter.calls).toBe(calls)
  })

  it('stores the extremes DynamoDB takes', async () => {
    const payments = env.db.model(Payment)
    const created = await payments.create(
      newPayment({
        exact: '9.9999999999999999999999999999999999999e125',
        minor: 10n ** 38n - 1n,
        meta: { least: 1e-130, most: -9.99999999999999e125, zero: 0, tail: 10n ** 50n },
      }),
    )
    const read = await payments.get(created)
    // DynamoDB reads it back without the exponent.
    expect(read?.exact).toBe(`${'9'.repeat(38)}${'0'.repeat(88)}`)
    expect(read?.minor).toBe(10n ** 38n - 1n)
    expect(read?.meta).toEqual({ least: 1e-130, most: -9.99999999999999e125, zero: 0, tail: 10n ** 50n })
  })
})

describe('dates', () => {
  it('refuses an invalid Date in a map, a condition or createdAt, and a createdAt not written as stored', async () => {
    // new Date('x').toISOString() throws a bare RangeError (a 500); a createdAt string went out unchecked.
    await refusedBeforeSending([
      ['meta.at', newPayment({ meta: { at: new Date('x') } })],
      ['meta.days[1]', newPayment({ meta: { days: [new Date(0), new Date(Number.NaN)] } })],
      ['createdAt', newPayment({ createdAt: new Date('x') })],
      ['createdAt', newPayment({ createdAt: 'yesterday' })],
      ['createdAt', newPayment({ createdAt: '2024-01-02' })],
      ['createdAt', newPayment({ createdAt: 1_700_000_000_000 })],
      ['updatedAt', newPayment({ updatedAt: new Date('x') })],
    ])
    const payments = env.db.model(Payment)
    const created = await payments.create(newPayment())
    const calls = env.db.meter.calls
    const error = await payments
      .delete(created, { where: (c) => c.lt('createdAt' as never, new Date('x') as never) })
      .catch((e: unknown) => e)
    expect(isDynamormError(error, 'ValidationError'), String(error)).toBe(true)
    expect(env.db.meter.calls).toBe(calls)
  })
})

describe('map keys', () => {
  it('refuses an empty map key, which DynamoDB refuses as an empty attribute name', async () => {
    await refusedBeforeSending([
      ['meta', newPayment({ meta: { '': 1 } })],
      ['meta.limits', newPayment({ meta: { limits: { EUR: 5, '': 1 } } })],
      ['meta.rows[0]', newPayment({ meta: { rows: [{ '': 'x' }] } })],
    ])
  })
})

describe('sets', () => {
  it('refuses a set holding one value twice once stored, of mixed types, or empty', async () => {
    // A JS Set keeps 1 and 1n (or two equal Uint8Arrays) apart; DynamoDB refuses them as duplicates.
    await refusedBeforeSending([
      ['meta.ids', newPayment({ meta: { ids: new Set([1, 1n]) } })],
      ['meta.ids', newPayment({ meta: { ids: new Set([1e21, 10n ** 21n]) } })],
      [
        'meta.keys',
        newPayment({ meta: { keys: new Set([new Uint8Array([1, 2]), new Uint8Array([1, 2])]) } }),
      ],
      ['meta.mixed', newPayment({ meta: { mixed: new Set([1, 'a']) } })],
      ['meta.none', newPayment({ meta: { none: new Set() } })],
      ['scores', newPayment({ scores: new Set() })],
      ['tags', newPayment({ tags: new Set(['a', 1]) })],
    ])
  })

  it('stores distinct values of a set as DynamoDB reads them back', async () => {
    const payments = env.db.model(Payment)
    const created = await payments.create(
      newPayment({
        meta: { ids: new Set([1, 2n]), keys: new Set([new Uint8Array([1]), new Uint8Array([2])]) },
      }),
    )
    const read = await payments.get(created)
    expect(read?.meta?.ids).toEqual(new Set([1, 2]))
    expect(read?.meta?.keys).toEqual(new Set([new Uint8Array([1]), new Uint8Array([2])]))
  })
})
