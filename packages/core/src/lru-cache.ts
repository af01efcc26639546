// A bounded map that forgets the least recently used entry first, optionally after a time to live.
// Every value that leaves it (evicted, expired, replaced by another value, deleted, cleared) goes to
// `onEvict` exactly once, so what it holds (a client's sockets, key material) is released.

export interface LruCacheOptions<Value> {
  /** Entries kept at most; past it the least recently used one leaves. */
  maxEntries: number
  /** Milliseconds an entry lives after it was set; an older one is gone at its next read (default: no expiry). */
  ttlMs?: number
  /** Clock for `ttlMs` (default Date.now). */
  now?: () => number
  /** Told of every value that leaves the cache. */
  onEvict?: (value: Value) => void
}

interface Slot<Value> {
  value: Value
  expiresAt: number
}

export class LruCache<Value> {
  // A Map keeps insertion order: re-inserting on use keeps the least recently used first.
  readonly #slots = new Map<string, Slot<Value>>()
  readonly #options: LruCacheOptions<Value>

  constructor(options: LruCacheOptions<Value>) {
    this.#options = options
  }

  get size(): number {
    return this.#slots.size
  }

  /** The live value (now the most recently used), or undefined; an expired one is evicted here. */
  get(key: string): Value | undefined {
    const slot = this.#slots.get(key)
    if (slot === undefined) return undefined
    this.#slots.delete(key)
    if (slot.expiresAt <= (this.#options.now ?? Date.now)()) {
      this.#options.onEvict?.(slot.value)
      return undefined
    }
    this.#slots.set(key, slot)
    return slot.value
  }

  /** Sets `key`; a different value it held before is evicted. */
  set(key: string, value: Value): void {
    const previous = this.#slots.get(key)
    this.#slots.delete(key)
    if (previous !== undefined && previous.value !== value) this.#options.onEvict?.(previous.value)
    const ttlMs = this.#options.ttlMs ?? Number.POSITIVE_INFINITY
    this.#slots.set(key, { value, expiresAt: (this.#options.now ?? Date.now)() + ttlMs })
    while (this.#slots.size > this.#options.maxEntries) {
      const [oldestKey, oldest] = this.#slots.entries().next().value as [string, Slot<Value>]
      this.#slots.delete(oldestKey)
      this.#options.onEvict?.(oldest.value)
    }
  }

  /** Forgets `key`, evicting its value. */
  delete(key: string): void {
    const slot = this.#slots.get(key)
    if (slot === undefined) return
    this.#slots.delete(key)
    this.#options.onEvict?.(slot.value)
  }

  /** Forgets everything, evicting every value. */
  clear(): void {
    const slots = [...this.#slots.values()]
    this.#slots.clear()
    for (const slot of slots) this.#options.onEvict?.(slot.value)
  }
}
