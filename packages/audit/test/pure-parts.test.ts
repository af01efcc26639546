import { canonicalJson } from '@dynamorm/core'
import { describe, expect, it } from 'vitest'
import { chainHash, genesisHash } from '../src/chain-hash.ts'
import { changedFields } from '../src/change-diff.ts'
import { REDACTED, redactionRule, toEntryValue } from '../src/redaction.ts'

const nothingRedacted = redactionRule([], [])

// canonicalJson itself is core's, tested there.
describe('chain hashes', () => {
  it('hashes with SHA-256, or HMAC-SHA-256 under a chain key', () => {
    expect(chainHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(chainHash('abc', 'key')).not.toBe(chainHash('abc'))
    expect(chainHash('abc', 'key')).toMatch(/^[0-9a-f]{64}$/)
    expect(genesisHash('p1', 0)).not.toBe(genesisHash('p1', 1))
    expect(genesisHash('p1', 0)).not.toBe(genesisHash('p2', 0))
  })
})

describe('redaction', () => {
  const redacted = redactionRule(['card.number', 'bank.*.iban', 'secret'], ['cvv'])

  it('matches configured paths, wildcards, ancestors and names at any depth', () => {
    expect(redacted(['card', 'number'])).toBe(true)
    expect(redacted(['card', 'expiry'])).toBe(false)
    expect(redacted(['bank', 'primary', 'iban'])).toBe(true)
    expect(redacted(['bank', '0', 'iban'])).toBe(true)
    expect(redacted(['bank', 'primary', 'bic'])).toBe(false)
    expect(redacted(['secret', 'inner', 'deep'])).toBe(true)
    expect(redacted(['payer', 'card', 'cvv'])).toBe(true)
    expect(redacted(['card'])).toBe(false)
  })

  it("adds a record's own paths on top of the middleware's", () => {
    const recordRule = redactionRule(['payer.email'], [], redacted)
    expect(recordRule(['payer', 'email'])).toBe(true)
    expect(recordRule(['card', 'number'])).toBe(true)
    expect(recordRule(['payer', 'name'])).toBe(false)
    expect(redacted(['payer', 'email'])).toBe(false)
  })

  it('replaces values in nested objects and arrays and never keeps binaries', () => {
    const value = {
      card: { number: '4111111111111111', expiry: '12/30', cvv: '123' },
      bank: [{ iban: 'DE89370400440532013000', bic: 'COBADEFF' }],
      blob: new Uint8Array([1, 2, 3]),
      amount: 100,
    }
    const out = toEntryValue(value, [], redacted)
    expect(out).toEqual({
      card: { number: REDACTED, expiry: '12/30', cvv: REDACTED },
      bank: [{ iban: REDACTED, bic: 'COBADEFF' }],
      blob: REDACTED,
      amount: 100,
    })
    const text = JSON.stringify(out)
    for (const leak of ['4111111111111111', 'DE89370400440532013000', '123"', 'AQID'])
      expect(text).not.toContain(leak)
  })

  it('normalises values JSON cannot hold as they are', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' }
    cyclic.self = cyclic
    let deep: Record<string, unknown> = { leaf: true }
    for (let i = 0; i < 40; i++) deep = { next: deep }
    const out = toEntryValue(
      {
        big: 12345678901234567890n,
        nan: Number.NaN,
        inf: Number.POSITIVE_INFINITY,
        when: new Date('2026-01-02T03:04:05.000Z'),
        bad: new Date('nope'),
        set: new Set(['b', 'a']),
        map: new Map([['k', 1]]),
        fn: () => 1,
        gone: undefined,
        list: [undefined, 1],
        cyclic,
        deep,
      },
      [],
      nothingRedacted,
    ) as Record<string, unknown>
    expect(out.big).toBe('12345678901234567890')
    expect(out.nan).toBe('NaN')
    expect(out.inf).toBe('Infinity')
    expect(out.when).toBe('2026-01-02T03:04:05.000Z')
    expect(out.bad).toBe('Invalid Date')
    expect(out.set).toEqual(['a', 'b'])
    expect(out.map).toEqual({ k: 1 })
    expect('fn' in out).toBe(false)
    expect('gone' in out).toBe(false)
    expect(out.list).toEqual([null, 1])
    expect(out.cyclic).toEqual({ name: 'loop', self: '[CIRCULAR]' })
    expect(JSON.stringify(out.deep)).toContain('[TOO DEEP]')
    expect(toEntryValue(Symbol('x'), [], nothingRedacted)).toBeUndefined()
  })
})

describe('changedFields', () => {
  const redacted = redactionRule(['card.number'], ['cvv'])

  it('reports only changed leaves, by dotted path, with before and after', () => {
    const changes = changedFields(
      { status: 'authorized', amount: 100, meta: { a: 1, b: 2 }, tags: ['x'] },
      { status: 'captured', amount: 100, meta: { a: 1, b: 3 }, tags: ['x', 'y'], note: 'n' },
      redacted,
    )
    expect(changes).toEqual({
      status: { before: 'authorized', after: 'captured' },
      'meta.b': { before: 2, after: 3 },
      tags: { before: ['x'], after: ['x', 'y'] },
      note: { after: 'n' },
    })
  })

  it('treats a create as every field added and a delete as every field removed', () => {
    expect(changedFields(undefined, { id: 'p1', card: { number: '4111' } }, redacted)).toEqual({
      id: { after: 'p1' },
      card: { after: { number: REDACTED } },
    })
    expect(changedFields({ id: 'p1' }, undefined, redacted)).toEqual({ id: { before: 'p1' } })
  })

  it('shows that a redacted field changed without showing either value', () => {
    const changes = changedFields(
      { card: { number: '4111111111111111' }, cvv: '123' },
      { card: { number: '5500000000000004' }, cvv: '123' },
      redacted,
    )
    expect(changes).toEqual({ 'card.number': { before: REDACTED, after: REDACTED } })
  })

  it('compares binaries by bytes but reports them redacted, and ignores equal sets in any order', () => {
    const changes = changedFields(
      { secret: new Uint8Array([1, 2]), same: new Uint8Array([9]), roles: new Set(['a', 'b']) },
      { secret: new Uint8Array([1, 3]), same: new Uint8Array([9]), roles: new Set(['b', 'a']) },
      redacted,
    )
    expect(changes).toEqual({ secret: { before: REDACTED, after: REDACTED } })
  })

  it('reports a redacted subtree as one field when a whole object is sensitive', () => {
    const changes = changedFields({ cvv: { v: '1' } }, { cvv: { v: '2' } }, redacted)
    expect(changes).toEqual({ cvv: { before: REDACTED, after: REDACTED } })
  })
})

describe('a "__proto__" member of a parsed body', () => {
  // JSON.parse makes it an own member; assigning it would set the prototype and drop it from the entry.
  const body = JSON.parse('{"amount":5,"__proto__":{"role":"admin"}}') as Record<string, unknown>

  it('is kept as an own field of the entry value, so it is hashed like any other', () => {
    const value = toEntryValue(body, [], nothingRedacted)
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
    expect(canonicalJson(value)).toBe('{"__proto__":{"role":"admin"},"amount":5}')
  })

  it('shows up in the changes, with its path', () => {
    const changes = changedFields({ amount: 5 }, body, nothingRedacted)
    // Added as a whole: the before side has no such member (not Object.prototype's).
    expect(canonicalJson(changes)).toBe('{"__proto__":{"after":{"role":"admin"}}}')
    const changed = changedFields(
      body,
      JSON.parse('{"amount":5,"__proto__":{"role":"clerk"}}'),
      nothingRedacted,
    )
    expect(canonicalJson(changed)).toBe('{"__proto__.role":{"after":"clerk","before":"admin"}}')
    const top = changedFields({}, JSON.parse('{"__proto__":7}'), nothingRedacted)
    expect(Object.keys(top)).toEqual(['__proto__'])
    expect(canonicalJson(top)).toBe('{"__proto__":{"after":7}}')
  })
})
