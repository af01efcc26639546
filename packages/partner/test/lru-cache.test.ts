import { describe, expect, it } from 'vitest'
import { LruCache } from '../src/lru-cache.ts'

describe('LruCache', () => {
  it('evicts the least recently used entry past its size, through onEvict', () => {
    const evicted: string[] = []
    const cache = new LruCache<number>(2, (key) => evicted.push(key))
    cache.set('a', 1)
    cache.set('b', 2)
    expect(cache.get('a')).toBe(1)
    cache.set('c', 3)
    expect(evicted).toEqual(['b'])
    expect(cache.get('b')).toBeUndefined()
  })

  it('hands a deleted entry to onEvict once, and ignores unknown keys', () => {
    const evicted: Array<[string, number]> = []
    const cache = new LruCache<number>(2, (key, value) => evicted.push([key, value]))
    cache.set('a', 1)
    cache.delete('a')
    cache.delete('a')
    cache.delete('never-there')
    expect(evicted).toEqual([['a', 1]])
    expect(cache.get('a')).toBeUndefined()
  })
})
