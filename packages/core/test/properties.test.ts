// Property-based tests against DynamoDB Local: random attribute names and values survive every
// operation unchanged, and random conditions mean in DynamoDB what the reference evaluator says.
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type AnyAttribute,
  binary,
  boolean,
  type Condition,
  conditions as c,
  type Db,
  defineModel,
  isDynamormError,
  list,
  map,
  number,
  string,
  stringSet,
} from '../src/index.ts'
import { paymentsDb, type TestDb } from './fixtures.ts'
import { evaluate } from './reference-evaluator.ts'

let env: TestDb
let db: Db
beforeAll(async () => {
  env = await paymentsDb()
  db = env.db
})
afterAll(() => env.table.delete())

const RESERVED = new Set(['pk', 'sk', '__entity', 'pid', 'sid', '__proto__'])
// Attribute names: any unicode, reserved words, dots, '#', ':', brackets, spaces.
const attributeName = fc
  .oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
    fc.constantFrom('size', 'status', 'name', 'a.b', '#n0', ':v0', 'x[0]', ' ', 'AND', 'ünïcødé', '🙂'),
  )
  .filter((name) => !RESERVED.has(name))

const finiteNumber = fc
  .double({ min: -1e20, max: 1e20, noNaN: true, noDefaultInfinity: true })
  .filter((n) => !Object.is(n, -0) && (n === 0 || Math.abs(n) > 1e-20))

type Kind = 'string' | 'number' | 'boolean' | 'binary' | 'list' | 'map' | 'stringSet'
const generators: Record<Kind, { attr: () => AnyAttribute; value: fc.Arbitrary<unknown> }> = {
  string: { attr: string, value: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  number: { attr: number, value: finiteNumber },
  boolean: { attr: boolean, value: fc.boolean() },
  binary: { attr: binary, value: fc.uint8Array({ minLength: 1, maxLength: 16 }) },
  list: { attr: () => list(string()), value: fc.array(fc.string({ maxLength: 5 }), { maxLength: 4 }) },
  map: {
    attr: () => map(),
    value: fc.dictionary(
      fc.string({ minLength: 1, maxLength: 6 }).filter((key) => key !== '__proto__'),
      fc.oneof(fc.string(), fc.integer(), fc.boolean()),
      { maxKeys: 4 },
    ),
  },
  stringSet: {
    attr: stringSet,
    value: fc.uniqueArray(fc.string({ maxLength: 6 }), { minLength: 1, maxLength: 4 }).map((v) => new Set(v)),
  },
}
const kinds = Object.keys(generators) as Kind[]

const schema = fc.uniqueArray(fc.record({ name: attributeName, kind: fc.constantFrom(...kinds) }), {
  minLength: 1,
  maxLength: 6,
  selector: (entry) => entry.name,
})

let modelCount = 0
function modelFor(fields: { name: string; kind: Kind }[]) {
  const attributes: Record<string, AnyAttribute> = { pid: string().required(), sid: string().required() }
  for (const field of fields) attributes[field.name] = generators[field.kind].attr()
  return defineModel({
    name: `Prop${modelCount++}`,
    table: 'payments',
    attributes,
    key: { pk: 'P#{pid}', sk: 'S#{sid}' },
  })
}

const itemFor = (fields: { name: string; kind: Kind }[]) =>
  fc.tuple(...fields.map((field) => generators[field.kind].value)).map((values) => {
    const item: Record<string, unknown> = {}
    fields.forEach((field, index) => {
      item[field.name] = values[index]
    })
    return item
  })

describe('round trips (property)', () => {
  it('random attribute names and values survive create, get, update, query and put unchanged', async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(
        schema.chain((fields) => fc.tuple(fc.constant(fields), itemFor(fields), itemFor(fields))),
        async ([fields, first, second]) => {
          const model = modelFor(fields)
          const entity = db.model(model)
          const key = { pid: `rt${run}`, sid: `s${run++}` }
          const created = await entity.create({ ...first, ...key } as never)
          expect(created).toEqual({ ...first, ...key })
          expect(await entity.get(key as never, { consistent: true })).toEqual({ ...first, ...key })
          const updated = await entity.update(key as never, { set: second } as never)
          expect(updated).toEqual({ ...second, ...key })
          const page = await entity.query({ pid: key.pid } as never, { consistent: true })
          expect(page.items).toEqual([{ ...second, ...key }])
          const projected = await entity.get(key as never, {
            projection: [fields[0]!.name] as never,
            consistent: true,
          })
          expect(projected).toEqual({ [fields[0]!.name]: second[fields[0]!.name] })
          await entity.put({ ...first, ...key } as never)
          expect(await entity.get(key as never, { consistent: true })).toEqual({ ...first, ...key })
        },
      ),
      { numRuns: 40 },
    )
  })
})

// Conditions over a fixed model whose names are hostile on purpose.
const Probe = defineModel({
  name: 'Probe',
  table: 'payments',
  attributes: {
    pid: string().required(),
    sid: string().required(),
    s: string(),
    'a.b': number(),
    '#x': boolean(),
    size: list(number()),
    ':tags': stringSet(),
    m: map(),
  },
  key: { pk: 'PROBE#{pid}', sk: 'S#{sid}' },
})

const smallString = fc.constantFrom('', 'a', 'ab', 'b', 'é', 'ü', 'z', 'A')
const smallNumber = fc.integer({ min: -3, max: 3 })
const probeItem = fc.record(
  {
    s: smallString,
    'a.b': smallNumber,
    '#x': fc.boolean(),
    size: fc.array(smallNumber, { maxLength: 3 }),
    ':tags': fc.uniqueArray(smallString, { minLength: 1, maxLength: 3 }).map((v) => new Set(v)),
    m: fc.record({ n: smallNumber, t: smallString }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
)

const comparator = fc.constantFrom('=', '<>', '<', '<=', '>', '>=') as fc.Arbitrary<
  '=' | '<>' | '<' | '<=' | '>' | '>='
>
const leaf: fc.Arbitrary<Condition> = fc.oneof(
  fc
    .tuple(comparator, smallString)
    .map(([op, v]) => ({ op: 'compare', path: 's', comparator: op, value: v }) as Condition),
  fc
    .tuple(comparator, smallNumber)
    .map(([op, v]) => ({ op: 'compare', path: 'a.b', comparator: op, value: v }) as Condition),
  fc
    .tuple(comparator, smallNumber)
    .map(([op, v]) => ({ op: 'compare', path: ['m', 'n'], comparator: op, value: v }) as Condition),
  fc.boolean().map((v) => c.eq('#x', v)),
  fc.tuple(smallNumber, smallNumber).map(([a, b]) => c.between('a.b', Math.min(a, b), Math.max(a, b))),
  fc
    .tuple(smallString, smallString)
    .map(([a, b]) =>
      Buffer.compare(Buffer.from(a), Buffer.from(b)) <= 0 ? c.between('s', a, b) : c.between('s', b, a),
    ),
  smallString.map((v) => c.beginsWith('s', v)),
  smallString.map((v) => c.contains('s', v)),
  smallString.map((v) => c.contains(':tags', v)),
  smallNumber.map((v) => c.contains('size', v)),
  fc.constantFrom('s', 'a.b', '#x', 'size', ':tags', 'm').map((p) => c.exists(p)),
  fc.constantFrom('s', 'a.b', '#x', 'size', ':tags', 'm').map((p) => c.notExists(p)),
  fc
    .tuple(fc.constantFrom('s', 'size', ':tags', 'm'), comparator, fc.integer({ min: 0, max: 3 }))
    .map(([p, op, n]) => c.size(p, op, n)),
  fc
    .tuple(
      fc.constantFrom('s', 'a.b', '#x', 'size', ':tags', 'm'),
      fc.constantFrom('S', 'N', 'BOOL', 'L', 'SS', 'M') as fc.Arbitrary<'S'>,
    )
    .map(([p, t]) => c.attributeType(p, t)),
  fc.uniqueArray(smallNumber, { minLength: 1, maxLength: 3 }).map((values) => c.in('a.b', values)),
  fc.uniqueArray(smallString, { minLength: 1, maxLength: 3 }).map((values) => c.in('s', values)),
)
const conditionTree: fc.Arbitrary<Condition> = fc.letrec<{ node: Condition }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((list) => c.and(...list)),
    fc.array(tie('node'), { minLength: 1, maxLength: 3 }).map((list) => c.or(...list)),
    tie('node').map((inner) => c.not(inner)),
  ),
})).node

describe('conditions (property)', () => {
  it('random conditions give the same answer in DynamoDB as in the reference evaluator', async () => {
    const probes = db.model(Probe)
    let run = 0
    await fc.assert(
      fc.asyncProperty(probeItem, conditionTree, async (fields, condition) => {
        const key = { pid: 'cond', sid: `s${run++}` }
        const item = { ...fields, ...key }
        await probes.put(item as never)
        const expected = evaluate(condition, item)
        // As a filter...
        const page = await probes.query(key, { filter: () => condition, consistent: true })
        expect(page.items.length === 1).toBe(expected)
        // ...and as a write condition.
        const outcome = await probes
          .delete(key, { where: () => condition })
          .then(() => true)
          .catch((error: unknown) => {
            if (isDynamormError(error, 'ConditionFailedError')) return false
            throw error
          })
        expect(outcome).toBe(expected)
      }),
      { numRuns: 200 },
    )
  })
})
