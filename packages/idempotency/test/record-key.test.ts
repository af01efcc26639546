import { isDynamormError } from '@dynamorm/core'
import { describe, expect, it } from 'vitest'
import { assertValidKey, recordKey } from '../src/record-key.ts'

function keyError(key: unknown): unknown {
  try {
    assertValidKey(key)
  } catch (error) {
    return error
  }
  return undefined
}

describe('assertValidKey', () => {
  it.each([
    ['a UUID', '2b1c7f0e-0c55-4a55-9f3b-1f2e3d4c5b6a'],
    ['one character', 'x'],
    ['255 characters', 'k'.repeat(255)],
    ['printable punctuation and spaces', 'order 42 #retry/1 ~!'],
  ])('accepts %s', (_label, key) => {
    expect(keyError(key)).toBeUndefined()
  })

  it.each([
    ['empty', ''],
    ['256 characters', 'k'.repeat(256)],
    ['a newline', 'abc\ndef'],
    ['a NUL', 'abc\u0000'],
    ['a tab', '\tkey'],
    ['DEL', 'key\u007f'],
    ['non-ASCII', 'clé'],
    ['an emoji', 'key-\u{1f4b8}'],
  ])('refuses %s with IdempotencyKeyInvalidError (400), without echoing the key', (_label, key) => {
    const error = keyError(key)
    expect(isDynamormError(error, 'IdempotencyKeyInvalidError')).toBe(true)
    expect((error as { status: number }).status).toBe(400)
    expect((error as { details: unknown }).details).toEqual({ length: key.length })
    if (key.length > 0) expect((error as Error).message).not.toContain(key)
  })

  it.each([[42], [undefined], [null], [['a']]])('refuses a non-string (%j)', (key) => {
    expect(isDynamormError(keyError(key), 'IdempotencyKeyInvalidError')).toBe(true)
  })
})

describe('recordKey', () => {
  it('joins partner, operation and key', () => {
    expect(recordKey('partner-a', 'POST /payments', 'k1')).toBe('partner-a#POST /payments#k1')
    expect(recordKey(undefined, 'POST /payments', 'k1')).toBe('#POST /payments#k1')
  })

  it('never lets two different scopes meet, whatever characters partner ids and operations hold', () => {
    const keys = [
      recordKey('a#b', 'x', 'k'),
      recordKey('a', 'b#x', 'k'),
      recordKey('a', 'b', 'x#k'),
      recordKey('a%23b', 'x', 'k'),
      recordKey('a', '%23b#x', 'k'),
      recordKey('', 'a#b#x', 'k'),
    ]
    expect(new Set(keys).size).toBe(keys.length)
  })

  it('keeps a key that holds # whole (it is the last part)', () => {
    expect(recordKey('p', 'op', 'a#b#c')).toBe('p#op#a#b#c')
  })
})
