import { describe, expect, it } from 'vitest'
import { median, ratioInterval } from '../src/index.ts'

/** A repeatable uniform source (mulberry32), so intervals are the same on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('median', () => {
  it('is the middle value of an odd count and the mean of the two middle ones of an even count', () => {
    expect(median([5, 1, 3])).toBe(3)
    expect(median([4, 1, 3, 2])).toBe(2.5)
    expect(median([7])).toBe(7)
  })

  it('leaves its input in place and refuses an empty series', () => {
    const values = [3, 1, 2]
    median(values)
    expect(values).toEqual([3, 1, 2])
    expect(() => median([])).toThrow(RangeError)
  })
})

describe('ratioInterval', () => {
  it('is a single point when every round gives the same ratio', () => {
    const interval = ratioInterval([10, 20, 30, 40], [5, 10, 15, 20], { random: seeded(1) })
    expect(interval).toEqual({ ratio: 2, low: 2, high: 2 })
  })

  it('brackets the measured ratio, and widens with noisier rounds', () => {
    const random = seeded(7)
    const quiet = Array.from({ length: 41 }, (_, i) => 100 + (i % 5))
    const noisy = Array.from({ length: 41 }, (_, i) => 100 + ((i * 37) % 41) - 20)
    const steady = Array.from({ length: 41 }, () => 100)
    const narrow = ratioInterval(quiet, steady, { random })
    const wide = ratioInterval(noisy, steady, { random })
    for (const interval of [narrow, wide]) {
      expect(interval.low).toBeLessThanOrEqual(interval.ratio)
      expect(interval.high).toBeGreaterThanOrEqual(interval.ratio)
    }
    expect(wide.high - wide.low).toBeGreaterThan(narrow.high - narrow.low)
  })

  it('resamples rounds whole: a slow round slows both sides and leaves the ratio alone', () => {
    const ours = [10, 10, 10, 50, 10]
    const theirs = [20, 20, 20, 100, 20]
    expect(ratioInterval(theirs, ours, { random: seeded(3) })).toEqual({ ratio: 2, low: 2, high: 2 })
  })

  it('takes its confidence and resample count from the options', () => {
    const top = Array.from({ length: 31 }, (_, i) => 90 + ((i * 13) % 31))
    const bottom = Array.from({ length: 31 }, () => 100)
    const wide = ratioInterval(top, bottom, { confidence: 0.99, resamples: 500, random: seeded(5) })
    const narrow = ratioInterval(top, bottom, { confidence: 0.5, resamples: 500, random: seeded(5) })
    expect(narrow.low).toBeGreaterThanOrEqual(wide.low)
    expect(narrow.high).toBeLessThanOrEqual(wide.high)
  })

  it('refuses series it cannot pair and options out of range', () => {
    expect(() => ratioInterval([], [])).toThrow(/paired samples/)
    expect(() => ratioInterval([1, 2], [1])).toThrow(/paired samples/)
    expect(() => ratioInterval([1], [1], { confidence: 1 })).toThrow(/confidence/)
    expect(() => ratioInterval([1], [1], { resamples: 0 })).toThrow(/resamples/)
  })
})
