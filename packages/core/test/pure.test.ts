// Network-free parts: key templates, item size, cursors, model definitions, attribute conversion,
// marshalling and the cost estimator.
import { describe, expect, it } from 'vitest'
import { fromAttributeValue, toAttributeValue } from '../src/attributes.ts'
import {
  assertItemSize,
  bigint,
  CapacityMeter,
  canonicalJson,
  createParams,
  date,
  decimal,
  decodeCursor,
  defineModel,
  encodeCursor,
  estimateCapacity,
  estimateCost,
  getParams,
  isDynamormError,
  itemSize,
  list,
  map,
  marshallItem,
  marshallValue,
  number,
  numberSet,
  parseKeyTemplate,
  putParams,
  renderKey,
  renderKeyPrefix,
  resolveTableName,
  scanParams,
  string,
  unmarshallItem,
  unmarshallValue,
  updateParams,
} from '../src/index.ts'
import { Payment } from './fixtures.ts'

const throwsValidation = (fn: () => unknown) => {
  let caught: unknown
  try {
    fn()
  } catch (error) {
    caught = error
  }
  expect(isDynamormError(caught, 'ValidationError')).toBe(true)
}

describe('key templates', () => {
  it('renders without changing case and rejects the delimiter inside values', () => {
    const template = parseKeyTemplate('PARTNER#{partnerId}#DAY#{day}')
    expect(template.variables).toEqual(['partnerId', 'day'])
    expect(renderKey(template, { partnerId: 'AbC', day: new Date('2024-01-02T00:00:00Z') }, '#')).toBe(
      'PARTNER#AbC#DAY#2024-01-02T00:00:00.000Z',
    )
    expect(renderKey(template, { partnerId: 5, day: 10n }, '#')).toBe('PARTNER#5#DAY#10')
    throwsValidation(() => renderKey(template, { partnerId: 'a#b', day: 'x' }, '#'))
    throwsValidation(() => renderKey(template, { partnerId: 'a' }, '#'))
    throwsValidation(() => renderKey(template, { partnerId: {}, day: 'x' }, '#'))
    throwsValidation(() => renderKey(template, { partnerId: Number.NaN, day: 'x' }, '#'))
    expect(renderKeyPrefix(template, { partnerId: 'a' }, '#')).toEqual({
      prefix: 'PARTNER#a#DAY#',
      complete: false,
    })
    expect(renderKeyPrefix(template, { partnerId: 'a', day: true }, '#')).toEqual({
      prefix: 'PARTNER#a#DAY#true',
      complete: true,
    })
    throwsValidation(() => renderKeyPrefix(template, { day: 'x' }, '#'))
    for (const source of ['', 'A{b', 'A{b}{c}', 'A}b']) throwsValidation(() => parseKeyTemplate(source))
  })
})

describe('item size and capacity estimate', () => {
  it('sizes items by DynamoDB rules and rejects > 400 KB', () => {
    expect(itemSize({ ab: { S: 'héllo' } })).toBe(2 + 6)
    expect(itemSize({ n: { N: '12345' } })).toBe(1 + 4)
    expect(itemSize({ n: { N: '-0.00100' } })).toBe(1 + 3)
    expect(itemSize({ b: { B: new Uint8Array(10) }, t: { BOOL: true }, z: { NULL: true } })).toBe(11 + 2 + 2)
    expect(itemSize({ l: { L: [{ S: 'a' }, { N: '1' }] } })).toBe(1 + 3 + 2 + 3)
    expect(itemSize({ m: { M: { k: { S: 'v' } } } })).toBe(1 + 3 + 1 + 1 + 1)
    expect(itemSize({ s: { SS: ['ab', 'c'] }, n: { NS: ['1', '22'] }, b: { BS: [new Uint8Array(3)] } })).toBe(
      4 + 5 + 4,
    )
    expect(itemSize({ x: {} as never })).toBe(1)
    expect(() => assertItemSize({ big: { S: 'x'.repeat(400 * 1024) } })).toThrow(/409600/)
    expect(estimateCapacity(5000)).toEqual({ readCapacityUnits: 1, writeCapacityUnits: 5 })
    expect(estimateCapacity(5000, { consistent: true })).toEqual({
      readCapacityUnits: 2,
      writeCapacityUnits: 5,
    })
    expect(estimateCapacity(100, { transactional: true })).toEqual({
      readCapacityUnits: 2,
      writeCapacityUnits: 2,
    })
  })
})

describe('cursors', () => {
  const scope = { table: 't', index: 'i' }
  const key = { pk: { S: 'a' }, n: { N: '1' }, b: { B: new Uint8Array([1, 2]) } }
  it('round-trips keys, signed and unsigned', () => {
    expect(decodeCursor(encodeCursor(key, scope), scope)).toEqual(key)
    expect(decodeCursor(encodeCursor(key, scope, 's'), scope, 's')).toEqual(key)
    expect(encodeCursor(key, scope)).toMatch(/^[A-Za-z0-9_-]+$/)
  })
  it('rejects tampering, another scope, a wrong secret and junk', () => {
    const signed = encodeCursor(key, scope, 's')
    throwsValidation(() => decodeCursor(signed, scope, 'other'))
    throwsValidation(() => decodeCursor(signed, { table: 't' }, 's'))
    throwsValidation(() => decodeCursor(encodeCursor(key, scope), scope, 's'))
    const junk = (body: unknown) => Buffer.from(JSON.stringify(body)).toString('base64url')
    for (const bad of [
      junk(null),
      junk({ t: 't', i: 'i', k: [] }),
      junk({ t: 't', i: 'i', k: { a: { X: '1' } } }),
      junk({ t: 't', i: 'i', k: { a: { S: 1 } } }),
      'x'.repeat(9000),
      '!!!',
    ]) {
      throwsValidation(() => decodeCursor(bad, scope))
    }
  })
})

describe('model definitions', () => {
  const base = { name: 'M', table: 'tbl', attributes: { id: string().required() }, key: { pk: 'M#{id}' } }
  it('rejects mistakes once, at definition', () => {
    const bad: unknown[] = [
      { ...base, name: '' },
      { ...base, table: '' },
      { ...base, key: { pk: 'M#{nope}' } },
      { ...base, attributes: { id: string().encrypted() } },
      { ...base, attributes: { id: list(string()) } },
      { ...base, attributes: { id: string(), pk: string() } },
      { ...base, attributes: { id: string(), '': string() } },
      { ...base, indexes: { x: { type: 'other' } } },
      { ...base, ttl: 'id' },
      { ...base, version: 'v', attributes: { id: string(), v: number().encrypted() } },
      // Names DynamoDB refuses at every write ('Empty attribute name'; key names over 255 bytes).
      { ...base, entityAttribute: '' },
      { ...base, keyAttributes: { pk: '' } },
      { ...base, keyAttributes: { pk: 'p'.repeat(256) } },
      { ...base, key: { pk: 'M#{id}', sk: 'X' }, keyAttributes: { sk: '' } },
      { ...base, indexes: { x: { type: 'gsi', pk: 'X#{id}', pkAttribute: '' } } },
      { ...base, version: '' },
    ]
    for (const definition of bad) throwsValidation(() => defineModel(definition as never))
  })

  it('refuses a key template whose variables are separated by text without the delimiter', () => {
    // 'DASH#{a}-{b}' renders { a: 'x-y', b: 'z' } and { a: 'x', b: 'y-z' } as the same key: the second
    // payment's create met the first (ConditionFailedError) and its get read the first payment.
    const two = { ...base, attributes: { a: string().required(), b: string().required() } }
    for (const key of [{ pk: 'DASH#{a}-{b}' }, { pk: 'DASH#{a}', sk: 'AT#{a}:{b}' }]) {
      throwsValidation(() => defineModel({ ...two, key } as never))
    }
    throwsValidation(() =>
      defineModel({
        ...two,
        indexes: { byB: { type: 'gsi', pk: 'B#{b}.{a}' } },
        key: { pk: 'M#{a}#{b}' },
      } as never),
    )
    throwsValidation(() => defineModel({ ...two, keyDelimiter: '|', key: { pk: 'M#{a}#{b}' } } as never))
    // The delimiter anywhere in the text between them keeps the parts apart.
    expect(defineModel({ ...two, key: { pk: 'M#{a}-#{b}' } } as never).pk.variables).toEqual(['a', 'b'])
    expect(defineModel({ ...two, keyDelimiter: '|', key: { pk: 'M|{a}|{b}' } } as never).delimiter).toBe('|')
  })

  it('builds pure, synchronous params for every operation', () => {
    const key = { partnerId: 'p', id: '1' }
    expect(getParams(Payment, key, { table: 'physical' })).toEqual({
      TableName: 'physical',
      Key: { pk: { S: 'PARTNER#p' }, sk: { S: 'PAYMENT#1' } },
    })
    const put = putParams(Payment, { ...key, amount: 1, status: 'PENDING', version: 3 }, { now: new Date(0) })
    expect(put.ConditionExpression).toBe('#n0 = :v0')
    expect(put.Item?.version).toEqual({ N: '4' })
    const create = createParams(Payment, { ...key, amount: 1, status: 'PENDING' }, { now: new Date(0) })
    expect(create.Item?.createdAt).toEqual({ S: '1970-01-01T00:00:00.000Z' })
    expect(create.Item?.byStatuspk).toEqual({ S: 'STATUS#p#PENDING' })
    expect(create.Item?.bySettledAtpk).toBeUndefined()
    const update = updateParams(
      Payment,
      key,
      { set: { amount: 2 } },
      { expectedVersion: 1, now: new Date(0) },
    )
    expect(update.UpdateExpression).toBe('SET #n0 = :v0, #n1 = :v1, #n2 = if_not_exists(#n2, :v2), #n3 = :v3')
    expect(update.ConditionExpression).toBe('(attribute_exists(#n4)) AND (#n3 = :v4)')
    expect(
      scanParams(Payment, { table: 't', limit: 5, consistent: true, projection: ['amount'] }),
    ).toMatchObject({
      Limit: 5,
      ConsistentRead: true,
    })
    throwsValidation(() => scanParams(Payment, { index: 'nope' as never }))
    throwsValidation(() => scanParams(Payment, { limit: -1 }))
    throwsValidation(() => putParams(Payment, { ...key, amount: 1, status: 'PENDING', version: 1.5 }))
    throwsValidation(() => updateParams(Payment, key, { set: { nope: 1 } as never }))
    throwsValidation(() => updateParams(Payment, key, { add: { cardNumber: 1 } as never }))
    throwsValidation(() => updateParams(Payment, key, { subtract: { notes: 1 } as never }))
    throwsValidation(() => updateParams(Payment, key, { append: { amount: [1] } as never }))
    throwsValidation(() => updateParams(Payment, key, { deleteFromSet: { amount: 1 } as never }))
    throwsValidation(() => updateParams(Payment, key, { remove: ['amount' as never] }))
    throwsValidation(() => updateParams(Payment, key, { setIfNotExists: { status: 'SETTLED' } }))
  })
})

describe('attribute conversion', () => {
  it('converts and reads back each kind, rejecting wrong types', () => {
    const cases: [ReturnType<typeof string>, unknown][] = [
      [bigint() as never, 5],
      [decimal() as never, '1.50'],
      [date('epochMillis') as never, new Date(1000)],
      [numberSet() as never, new Set([1, 2])],
      [map({ a: number().default(3) }) as never, {}],
    ]
    for (const [attr, value] of cases) expect(toAttributeValue(attr, value, 'x')).toBeDefined()
    expect(fromAttributeValue(bigint(), { N: '5' })).toBe(5n)
    expect(fromAttributeValue(date('epochMillis'), { N: '1000' })).toEqual(new Date(1000))
    expect(fromAttributeValue(map({ a: number() }), { M: { a: { N: '1' }, b: { S: 'x' } } })).toEqual({
      a: 1,
      b: 'x',
    })
    expect(fromAttributeValue(number(), { S: 'not a number' })).toBe('not a number')
    const wrong: [unknown, unknown][] = [
      [bigint(), 1.5],
      [decimal(), '1,5'],
      [date(), new Date('nope')],
      [numberSet(), new Set(['a'])],
      [map(), []],
      [map({ a: number() }), { b: 1 }],
      [list(string()), 'x'],
      [string().validate(() => false), 'x'],
    ]
    for (const [attr, value] of wrong) throwsValidation(() => toAttributeValue(attr as never, value, 'x'))
  })
})

describe('marshalling, capacity meter, cost and table names', () => {
  it('marshals JS values and reads exact numbers back', () => {
    const item = {
      s: 'x',
      n: 1.5,
      big: 2n ** 70n,
      t: true,
      z: null,
      b: new Uint8Array([1]),
      d: new Date(0),
      l: [1, 'a'],
      m: { a: 1, skip: undefined },
      ss: new Set(['a']),
      ns: new Set([1, 2n]),
      bs: new Set([new Uint8Array([1])]),
      u: undefined,
    }
    const marshalled = marshallItem(item)
    expect(marshalled.d).toEqual({ S: '1970-01-01T00:00:00.000Z' })
    const back = unmarshallItem(marshalled)
    expect(back.big).toBe(2n ** 70n)
    expect(back.ns).toEqual(new Set([1, 2]))
    expect(unmarshallValue({ N: '0.1000000000000000000001' })).toBe('0.1000000000000000000001')
    expect(unmarshallValue({ N: '1.50' })).toBe(1.5)
    for (const bad of [Number.NaN, Symbol('x'), new Set(), new Set([1, 'a'])])
      throwsValidation(() => marshallValue(bad))
    throwsValidation(() => unmarshallValue({} as never))
  })

  it('meters capacity per table and index and prices it', () => {
    const meter = new CapacityMeter()
    meter.record(
      { TableName: 't', CapacityUnits: 3, GlobalSecondaryIndexes: { g: { CapacityUnits: 2 } } },
      'read',
    )
    meter.record([{ TableName: 't', CapacityUnits: 2 }], 'write')
    meter.record(undefined, 'read')
    const totals = meter.totals()
    expect(totals).toMatchObject({ calls: 3, readCapacityUnits: 3, writeCapacityUnits: 2 })
    const onDemand = estimateCost(totals)
    expect(onDemand.total).toBeCloseTo((3 * 0.125 + 2 * 0.625) / 1e6)
    const provisioned = estimateCost(totals, { mode: 'provisioned', region: 'eu-west-1' })
    expect(provisioned.tables.t).toBeGreaterThan(0)
    expect(() => estimateCost(totals, { region: 'mars-1' })).toThrow(/mars-1/)
    throwsValidation(() => estimateCost(totals, { region: 'ap-south-1' }))
  })

  it('resolves table names by prefix or function and checks them', () => {
    expect(resolveTableName('acme-', 'payments')).toBe('acme-payments')
    expect(resolveTableName((name) => `x_${name}`, 'payments')).toBe('x_payments')
    expect(resolveTableName(undefined, 'payments')).toBe('payments')
    throwsValidation(() => resolveTableName('bad name ', 'x'))
  })
})

describe('ttl filters', () => {
  it('compares a number TTL with epoch seconds and a date TTL with a date', async () => {
    const { queryParams } = await import('../src/index.ts')
    const NumberTtl = defineModel({
      name: 'N',
      table: 't',
      attributes: { id: string().required(), ttl: number() },
      key: { pk: 'N#{id}' },
      ttl: 'ttl',
    })
    const params = queryParams(NumberTtl, { id: 'x' }, { now: new Date(5000) })
    expect(Object.values(params.ExpressionAttributeValues ?? {})).toContainEqual({ N: '5' })
    expect(queryParams(NumberTtl, { id: 'x' }, { includeExpired: true }).FilterExpression).toBe('#n1 = :v1')
    expect(fromAttributeValue(bigint(), { N: '1.5' })).toBe(1.5)
  })
})

describe('names in error messages', () => {
  const pan = '4111111111111111'
  const messageOf = (fn: () => unknown) => {
    try {
      fn()
    } catch (error) {
      expect(isDynamormError(error, 'ValidationError')).toBe(true)
      return `${(error as Error).message} ${JSON.stringify((error as { details?: unknown }).details)}`
    }
    throw new Error('expected a ValidationError')
  }
  const base = { partnerId: 'p', id: '1', amount: 1, status: 'PENDING' as const }

  it('names an unknown attribute or field, but withholds one whose name could be data (a card number)', () => {
    expect(messageOf(() => createParams(Payment, { ...base, nickname: 'x' } as never))).toContain('nickname')
    for (const fn of [
      () => createParams(Payment, { ...base, [`note${pan}`]: 'x' } as never),
      () => updateParams(Payment, { partnerId: 'p', id: '1' }, { set: { [`note${pan}`]: 'x' } } as never),
      () => createParams(Payment, { ...base, card: { last4: '1111', [`x${pan}`]: 1 } } as never),
      () => canonicalJson({ body: { [`k${pan}`]: Number.NaN } }),
      () => marshallValue({ [pan]: () => {} }),
      () => marshallValue({ items: [{ [`v ${pan.slice(0, 8)}`]: new Set() }] }),
    ]) {
      const message = messageOf(fn)
      expect(message).toContain('(name withheld)')
      expect(message).not.toMatch(/\d{6}/)
    }
  })
})
