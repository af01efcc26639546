// A bounded, least-recently-used cache with a time to live whose entries are told when they leave,
// so key material is wiped on eviction, expiry and replacement alike.
export interface Evictable {
  evict(): void
}

export interface DataKeyCacheOptions {
  maxEntries: number
  ttlMs: number
  now: () => number
}

interface Slot<V> {
  value: V
  expiresAt: number
}

export class DataKeyCache<V extends Evictable> {
  readonly #slots = new Map<string, Slot<V>>()
  readonly #options: DataKeyCacheOptions

  constructor(options: DataKeyCacheOptions) {
    this.#options = options
  }

  get size(): number {
    return this.#slots.size
  }

  /** The live entry (now most recently used), or undefined; an expired entry is evicted here. */
  get(id: string): V | undefined {
    const slot = this.#slots.get(id)
    if (slot === undefined) return undefined
    this.#slots.delete(id)
    if (slot.expiresAt <= this.#options.now()) {
      slot.value.evict()
      return undefined
    }
    this.#slots.set(id, slot)
    return slot.value
  }

  set(id: string, value: V): void {
    const previous = this.#slots.get(id)
    this.#slots.delete(id)
    if (previous !== undefined && previous.value !== value) previous.value.evict()
    this.#slots.set(id, { value, expiresAt: this.#options.now() + this.#options.ttlMs })
    while (this.#slots.size > this.#options.maxEntries) {
      const [oldest, slot] = this.#slots.entries().next().value as [string, Slot<V>]
      this.#slots.delete(oldest)
      slot.value.evict()
    }
  }

  clear(): void {
    for (const slot of this.#slots.values()) slot.value.evict()
    this.#slots.clear()
  }
}
