import { LruCache, type LruCacheOptions } from '@dynamorm/core'
import { describe, expect, it } from 'vitest'
import { DataKey } from '../src/data-key.ts'

// The keyring's caches: LruCaches that wipe a key when it leaves (see keyring.ts).
const keyCache = (options: Omit<LruCacheOptions<DataKey>, 'onEvict'>) =>
  new LruCache<DataKey>({ ...options, onEvict: (key) => key.evict() })
const newKey = (fill: number) => new DataKey(Buffer.alloc(32, fill), Uint8Array.of(fill, 1, 2), 'arn:key')
const isZero = (key: DataKey) => key.plaintext.every((byte) => byte === 0)

describe('data keys in the key caches', () => {
  it('holds at most maxEntries keys and wipes the least recently used on eviction', () => {
    const cache = keyCache({ maxEntries: 2, ttlMs: 60_000, now: () => 0 })
    const [a, b, c] = [newKey(1), newKey(2), newKey(3)]
    cache.set('a', a)
    cache.set('b', b)
    expect(cache.get('a')).toBe(a) // a is now the most recently used
    cache.set('c', c)
    expect(cache.size).toBe(2)
    expect(cache.get('b')).toBeUndefined()
    expect(isZero(b)).toBe(true)
    expect(isZero(a)).toBe(false)
    expect(cache.get('c')).toBe(c)
  })

  it('expires keys after their time to live and wipes them', () => {
    let now = 0
    const cache = keyCache({ maxEntries: 10, ttlMs: 1000, now: () => now })
    const key = newKey(7)
    cache.set('k', key)
    now = 999
    expect(cache.get('k')).toBe(key)
    now = 1000
    expect(cache.get('k')).toBeUndefined()
    expect(isZero(key)).toBe(true)
    expect(cache.size).toBe(0)
  })

  it('wipes a replaced key and every key on clear', () => {
    const cache = keyCache({ maxEntries: 10, ttlMs: 1000, now: () => 0 })
    const [first, second, third] = [newKey(1), newKey(2), newKey(3)]
    cache.set('k', first)
    cache.set('k', first) // the same key again is not wiped
    expect(isZero(first)).toBe(false)
    cache.set('k', second)
    expect(isZero(first)).toBe(true)
    cache.set('other', third)
    cache.clear()
    expect(isZero(second)).toBe(true)
    expect(isZero(third)).toBe(true)
    expect(cache.size).toBe(0)
  })

  it('wipes a pinned key only when its last user releases it', () => {
    const cache = keyCache({ maxEntries: 1, ttlMs: 1000, now: () => 0 })
    const key = newKey(5)
    cache.set('k', key)
    key.pin(2)
    cache.set('other', newKey(6))
    expect(isZero(key)).toBe(false)
    key.release()
    expect(isZero(key)).toBe(false)
    key.release()
    expect(isZero(key)).toBe(true)
  })

  it('never prints key material', async () => {
    const { inspect } = await import('node:util')
    const key = newKey(0xab)
    const printed = `${inspect(key, { depth: 5, showHidden: true })} ${JSON.stringify({ key })}`
    expect(printed).toContain(`DataKey(${key.id.toString('hex')})`)
    expect(printed).not.toContain('abab')
    expect(printed).not.toContain(key.plaintext.toString('base64'))
  })
})
