// canonicalJson: the encoding audit hashes its chain over and idempotency fingerprints payloads with
// (the union of both packages' former tests, plus properties over arbitrary JSON).
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { canonicalJson, isDynamormError, type JsonValue } from '../src/index.ts'

describe('canonicalJson', () => {
  it('sorts keys at every depth so construction order does not change the encoding', () => {
    const a = canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: 'x' } })
    const b = canonicalJson({ a: { c: 'x', d: [1, { y: 2, z: 1 }] }, b: 1 })
    expect(a).toBe(b)
    expect(a).toBe('{"a":{"c":"x","d":[1,{"y":2,"z":1}]},"b":1}')
  })

  it('sorts keys exactly and case-sensitively: {A:1,a:2} and {a:2,A:1} encode the same', () => {
    expect(canonicalJson({ A: 1, a: 2 })).toBe('{"A":1,"a":2}')
    expect(canonicalJson({ a: 2, A: 1 })).toBe('{"A":1,"a":2}')
    // Case differences are real differences, never folded away.
    expect(canonicalJson({ A: 1 })).not.toBe(canonicalJson({ a: 1 }))
  })

  it('orders keys by UTF-16 code units, not code points or locale', () => {
    // U+1F600 is the surrogate pair D83D DE00: before U+FFFF by code units, after it by code points.
    expect(canonicalJson({ '\uffff': 1, '\u{1f600}': 2 })).toBe('{"\u{1f600}":2,"\uffff":1}')
    expect(canonicalJson({ b: 1, B: 2, _: 3, a: 4, '10': 5, '9': 6 })).toBe(
      '{"10":5,"9":6,"B":2,"_":3,"a":4,"b":1}',
    )
  })

  it('keeps array order, writes numbers, strings and keys as JSON, with no whitespace', () => {
    const value = { z: [3, 1, { y: 'x', b: true }], a: { d: null, c: -0.5e-7 } }
    expect(canonicalJson(value)).toBe('{"a":{"c":-5e-8,"d":null},"z":[3,1,{"b":true,"y":"x"}]}')
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]))
    expect(canonicalJson('é"\n')).toBe(JSON.stringify('é"\n'))
    expect(canonicalJson({ 'q"': 'line\nbreak' })).toBe('{"q\\"":"line\\nbreak"}')
    expect(canonicalJson(null)).toBe('null')
    expect(canonicalJson(-0)).toBe('0')
  })

  it('treats what JSON treats alike as alike: undefined members absent, undefined entries null, 1.0 as 1', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}')
    expect(canonicalJson([undefined, 1])).toBe('[null,1]')
    // biome-ignore lint/suspicious/noSparseArray: a hole encodes as null, as JSON.stringify writes it
    expect(canonicalJson([, 1])).toBe('[null,1]')
    expect(canonicalJson({ amount: 1.0 })).toBe(canonicalJson(JSON.parse('{"amount":1.00}')))
    expect(canonicalJson({ at: new Date('2026-01-01T00:00:00Z') })).toBe('{"at":"2026-01-01T00:00:00.000Z"}')
    expect(canonicalJson(Object.assign(Object.create(null), { b: 1, a: 2 }))).toBe('{"a":2,"b":1}')
  })

  it('encodes a parsed "__proto__" member as the own member it is', () => {
    expect(canonicalJson(JSON.parse('{"b":1,"__proto__":{"x":1}}'))).toBe('{"__proto__":{"x":1},"b":1}')
  })

  it('allows a value shared twice (not a cycle)', () => {
    const shared = { id: 1 }
    expect(canonicalJson({ a: shared, b: [shared] })).toBe('{"a":{"id":1},"b":[{"id":1}]}')
  })

  it.each([
    ['NaN', { amount: Number.NaN }, '$.amount', 'NaN is not a JSON number'],
    ['Infinity', [Number.POSITIVE_INFINITY], '$[0]', 'Infinity is not a JSON number'],
    ['a bigint', { amount: 10n }, '$.amount', 'a bigint is not JSON'],
    ['a function', { f: () => 1 }, '$.f', 'a function is not JSON'],
    ['a symbol', { s: Symbol('x') }, '$.s', 'a symbol is not JSON'],
    ['undefined on its own', undefined, '$', 'a undefined is not JSON'],
    ['a Map', { m: new Map([['a', 1]]) }, '$.m', 'a Map is not plain JSON'],
    ['a Set', { s: new Set([1]) }, '$.s', 'a Set is not plain JSON'],
    ['a class instance', { u: new Uint8Array(2) }, '$.u', 'a Uint8Array is not plain JSON'],
    ['a function deep inside', { a: { b: [() => 1] } }, '$.a.b[0]', 'a function is not JSON'],
  ])(
    'rejects %s with a 400 ValidationError naming the path, never the value',
    (_label, value, path, reason) => {
      let thrown: unknown
      try {
        canonicalJson(value)
      } catch (error) {
        thrown = error
      }
      expect(isDynamormError(thrown, 'ValidationError')).toBe(true)
      expect((thrown as { status: number }).status).toBe(400)
      expect((thrown as { details: unknown }).details).toEqual({ path, reason })
      expect((thrown as Error).message).toBe(`Not canonical JSON at ${path}: ${reason}`)
    },
  )

  it('rejects a cycle instead of overflowing the stack', () => {
    const cyclic: Record<string, unknown> = { a: 1 }
    cyclic.self = { back: cyclic }
    expect(() => canonicalJson(cyclic)).toThrow(
      'Not canonical JSON at $.self.back: the value refers to itself',
    )
    const list: unknown[] = []
    list.push(list)
    expect(() => canonicalJson(list)).toThrow(/\$\[0\]: the value refers to itself/)
  })

  it('refuses a toJSON that answers itself or its holder with a ValidationError, not a stack overflow', () => {
    // toJSON ran before the cycle check, so a toJSON answering itself recursed until the stack overflowed.
    const itself: Record<string, unknown> = { toJSON: () => itself }
    const holder: Record<string, unknown> = { toJSON: () => ({ inner: holder }) }
    const chain = { toJSON: (): unknown => ({ toJSON: chain.toJSON }) }
    for (const [value, at] of [
      [{ body: itself }, '$.body'],
      [{ body: holder }, '$.body.inner'],
      [{ body: chain }, '$.body.toJSON'],
    ] as const) {
      let caught: unknown
      try {
        canonicalJson(value)
      } catch (error) {
        caught = error
      }
      expect(isDynamormError(caught, 'ValidationError'), String(caught)).toBe(true)
      expect((caught as { details: { path: string } }).details.path).toBe(at)
    }
    // As JSON.stringify does, toJSON is applied once and its answer encoded.
    expect(canonicalJson({ at: { toJSON: () => ({ day: new Date(0) }) } })).toBe(
      JSON.stringify({ at: { day: new Date(0) } }),
    )
  })

  it('is JSON that parses back to the value, the same for every key order', () => {
    const sortedCopy = (value: JsonValue): JsonValue =>
      Array.isArray(value)
        ? value.map(sortedCopy)
        : value !== null && typeof value === 'object'
          ? Object.fromEntries(
              Object.keys(value)
                .sort()
                .reverse()
                .map((key) => [key, sortedCopy(value[key]!)]),
            )
          : value
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value)
        // What JSON.stringify would carry (-0 is written 0 by both).
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)))
        expect(canonicalJson(sortedCopy(value as JsonValue))).toBe(text)
        expect(text).toBe(canonicalJson(JSON.parse(JSON.stringify(value))))
      }),
      { numRuns: 500 },
    )
  })
})
