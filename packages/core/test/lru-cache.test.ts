import { describe, expect, it } from 'vitest'
import { LruCache } from '../src/index.ts'

const tracked = (maxEntries: number, options: { ttlMs?: number; now?: () => number } = {}) => {
  const evicted: string[] = []
  const cache = new LruCache<string>({ maxEntries, ...options, onEvict: (value) => evicted.push(value) })
  return { cache, evicted }
}

describe('LruCache', () => {
  it('keeps at most maxEntries, forgetting the least recently used first, through onEvict', () => {
    const { cache, evicted } = tracked(2)
    cache.set('a', 'A')
    cache.set('b', 'B')
    expect(cache.get('a')).toBe('A') // a is now the most recently used
    cache.set('c', 'C')
    expect(evicted).toEqual(['B'])
    expect(cache.get('b')).toBeUndefined()
    expect(cache.size).toBe(2)
  })

  it('expires an entry ttlMs after it was set, at its next read', () => {
    let now = 0
    const { cache, evicted } = tracked(10, { ttlMs: 1000, now: () => now })
    cache.set('k', 'K')
    now = 999
    expect(cache.get('k')).toBe('K')
    now = 1000
    expect(cache.get('k')).toBeUndefined()
    expect(evicted).toEqual(['K'])
    expect(cache.size).toBe(0)
  })

  it('keeps entries without ttlMs, on the real clock by default', () => {
    const { cache } = tracked(1)
    cache.set('k', 'K')
    expect(cache.get('k')).toBe('K')
    const timed = new LruCache<string>({ maxEntries: 1, ttlMs: 60_000 })
    timed.set('k', 'K')
    expect(timed.get('k')).toBe('K')
  })

  it('evicts a replaced value, but not the same value set again', () => {
    const { cache, evicted } = tracked(10)
    cache.set('k', 'first')
    cache.set('k', 'first')
    expect(evicted).toEqual([])
    cache.set('k', 'second')
    expect(evicted).toEqual(['first'])
    expect(cache.get('k')).toBe('second')
  })

  it('evicts a deleted value once and ignores unknown keys', () => {
    const { cache, evicted } = tracked(10)
    cache.set('a', 'A')
    cache.delete('a')
    cache.delete('a')
    cache.delete('never-there')
    expect(evicted).toEqual(['A'])
    expect(cache.get('a')).toBeUndefined()
  })

  it('evicts every value on clear, after emptying (an onEvict that reads the cache sees it empty)', () => {
    const sizes: number[] = []
    const cache: LruCache<string> = new LruCache<string>({
      maxEntries: 10,
      onEvict: () => sizes.push(cache.size),
    })
    cache.set('a', 'A')
    cache.set('b', 'B')
    cache.clear()
    expect(sizes).toEqual([0, 0])
    expect(cache.size).toBe(0)
  })

  it('works without onEvict', () => {
    const cache = new LruCache<number>({ maxEntries: 1, ttlMs: 0, now: () => 0 })
    cache.set('a', 1)
    expect(cache.get('a')).toBeUndefined() // ttlMs 0: already expired
    cache.set('a', 1)
    cache.set('a', 2)
    cache.set('b', 3)
    cache.delete('b')
    cache.clear()
    expect(cache.size).toBe(0)
  })
})
