/**
 * A bounded map that forgets the least recently used entry first (a Map keeps insertion order, so
 * re-inserting on use keeps the oldest first).
 */
export class LruCache<Value> {
  readonly #entries = new Map<string, Value>()
  readonly #maxEntries: number
  readonly #onEvict: ((key: string, value: Value) => void) | undefined

  constructor(maxEntries: number, onEvict?: (key: string, value: Value) => void) {
    this.#maxEntries = maxEntries
    this.#onEvict = onEvict
  }

  get(key: string): Value | undefined {
    const value = this.#entries.get(key)
    if (value !== undefined) {
      this.#entries.delete(key)
      this.#entries.set(key, value)
    }
    return value
  }

  set(key: string, value: Value): void {
    this.#entries.delete(key)
    this.#entries.set(key, value)
    while (this.#entries.size > this.#maxEntries) {
      const [oldestKey, oldest] = this.#entries.entries().next().value as [string, Value]
      this.#entries.delete(oldestKey)
      this.#onEvict?.(oldestKey, oldest)
    }
  }

  /** Forgets `key`; its value goes to `onEvict` like an evicted one (a removed partner's client is retired too). */
  delete(key: string): void {
    const value = this.#entries.get(key)
    if (value === undefined) return
    this.#entries.delete(key)
    this.#onEvict?.(key, value)
  }
}
