import { createHash } from 'node:crypto'
import { isDynamormError } from '@dynamorm/core'
import { describe, expect, it } from 'vitest'
import { canonicalJson, fingerprint } from '../src/index.ts'

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

describe('canonicalJson', () => {
  it('sorts keys exactly and case-sensitively: {A:1,a:2} and {a:2,A:1} encode the same', () => {
    expect(canonicalJson({ A: 1, a: 2 })).toBe('{"A":1,"a":2}')
    expect(canonicalJson({ a: 2, A: 1 })).toBe('{"A":1,"a":2}')
    expect(fingerprint({ A: 1, a: 2 })).toBe(fingerprint({ a: 2, A: 1 }))
    // Case differences are real differences, never folded away.
    expect(fingerprint({ A: 1 })).not.toBe(fingerprint({ a: 1 }))
  })

  it('orders keys by UTF-16 code units, not code points or locale', () => {
    // U+1F600 is the surrogate pair D83D DE00: before U+FFFF by code units, after it by code points.
    expect(canonicalJson({ '\uffff': 1, '\u{1f600}': 2 })).toBe('{"\u{1f600}":2,"\uffff":1}')
    expect(canonicalJson({ b: 1, B: 2, _: 3, a: 4, '10': 5, '9': 6 })).toBe(
      '{"10":5,"9":6,"B":2,"_":3,"a":4,"b":1}',
    )
  })

  it('sorts nested objects, keeps array order, writes numbers and strings as JSON', () => {
    const value = { z: [3, 1, { y: 'x', b: true }], a: { d: null, c: -0.5e-7 } }
    expect(canonicalJson(value)).toBe('{"a":{"c":-5e-8,"d":null},"z":[3,1,{"b":true,"y":"x"}]}')
    expect(fingerprint([1, 2])).not.toBe(fingerprint([2, 1]))
    expect(canonicalJson('é"\n')).toBe(JSON.stringify('é"\n'))
  })

  it('treats what JSON treats alike as alike: undefined members absent, undefined entries null, 1.0 as 1', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}')
    expect(canonicalJson([undefined, 1])).toBe('[null,1]')
    expect(fingerprint({ amount: 1.0 })).toBe(fingerprint(JSON.parse('{"amount":1.00}')))
    expect(canonicalJson({ at: new Date('2026-01-01T00:00:00Z') })).toBe('{"at":"2026-01-01T00:00:00.000Z"}')
    expect(canonicalJson(Object.assign(Object.create(null), { b: 1, a: 2 }))).toBe('{"a":2,"b":1}')
  })

  it('allows a value shared twice (not a cycle)', () => {
    const shared = { id: 1 }
    expect(canonicalJson({ a: shared, b: [shared] })).toBe('{"a":{"id":1},"b":[{"id":1}]}')
  })

  it.each([
    ['NaN', { amount: Number.NaN }, '$.amount'],
    ['Infinity', [Number.POSITIVE_INFINITY], '$[0]'],
    ['a bigint', { amount: 10n }, '$.amount'],
    ['a function', { f: () => 1 }, '$.f'],
    ['a symbol', { s: Symbol('x') }, '$.s'],
    ['a Map', { m: new Map([['a', 1]]) }, '$.m'],
    ['a Set', { s: new Set([1]) }, '$.s'],
    ['a class instance', { u: new Uint8Array(2) }, '$.u'],
    ['a function deep inside', { a: { b: [() => 1] } }, '$.a.b[0]'],
  ])('rejects %s with a 400 naming the path', (_label, value, path) => {
    let thrown: unknown
    try {
      canonicalJson(value)
    } catch (error) {
      thrown = error
    }
    expect(isDynamormError(thrown, 'IdempotencyPayloadInvalidError')).toBe(true)
    expect((thrown as { status: number }).status).toBe(400)
    expect((thrown as Error).message).toContain(path)
  })

  it('rejects a cycle instead of overflowing the stack', () => {
    const cyclic: Record<string, unknown> = { a: 1 }
    cyclic.self = { back: cyclic }
    expect(() => canonicalJson(cyclic)).toThrow(/refers to itself/)
  })
})

describe('fingerprint', () => {
  it('is the hex SHA-256 of the canonical JSON', () => {
    expect(fingerprint({ b: 2, a: 1 })).toBe(sha256('{"a":1,"b":2}'))
    expect(fingerprint({ b: 2, a: 1 })).toMatch(/^[0-9a-f]{64}$/)
  })

  it('fingerprints no payload as null, and tells it apart from an empty body', () => {
    expect(fingerprint(undefined)).toBe(sha256('null'))
    expect(fingerprint(undefined)).toBe(fingerprint(null))
    expect(fingerprint('')).not.toBe(fingerprint(null))
    expect(fingerprint({})).not.toBe(fingerprint([]))
  })

  it('tells a string body from the object it spells', () => {
    expect(fingerprint('{"a":1}')).not.toBe(fingerprint({ a: 1 }))
  })
})
