// Keys from KMS: one current data key per table reused for a bounded number of fields and time (so
// KMS is called about once per container and table, not per write), and decrypted keys (field data
// keys and the beacon key) cached by their encrypted form. Concurrent misses share one KMS call.
import { isDynamormError, LruCache } from '@dynamorm/core'
import { DataKey } from './data-key.ts'
import { KmsKeyError, kmsFailure, UntrustedKmsKeyError } from './errors.ts'
import type { KmsApi } from './kms-client.ts'

export interface KeyringOptions {
  /** The KMS module and client, loaded at the first call. */
  kms: () => Promise<KmsApi>
  keyId: string
  /** Other KMS keys a data key read back may be under (keys being rotated away from). */
  previousKeyIds: readonly string[]
  maxMessagesPerKey: number
  maxKeyAgeMs: number
  maxCachedKeys: number
  now: () => number
}

/** KMS encryption context of field data keys: bound to the table, not the row, so a key serves many rows. */
export function fieldKeyContext(table: string): Record<string, string> {
  return { purpose: 'dynamorm-field', table }
}

/** KMS encryption context of beacon keys. */
export const beaconKeyContext: Record<string, string> = { purpose: 'dynamorm-beacon' }

// setTimeout's longest delay; a longer one would fire at once.
const MAX_TIMER_MS = 2 ** 31 - 1

// An alias (name or ARN): which key it names only KMS knows (DescribeKey, another call).
const ALIAS = /^(arn:[^:]+:kms:[^:]*:[^:]*:)?alias\//

/** Whether the key ARN KMS answered with is the key `keyId` named; an alias is taken on KMS's word. */
function answersFor(keyId: string, arn: string | undefined): arn is string {
  if (arn === undefined) return false
  if (ALIAS.test(keyId)) return true
  return keyId.startsWith('arn:') ? arn === keyId : arn.endsWith(`:key/${keyId}`)
}

// The table is part of the id: the same blob is only valid under its own table's encryption context.
const cacheId = (encrypted: Uint8Array, table = '') =>
  `${table}\u0000${Buffer.from(encrypted).toString('base64')}`

export class Keyring {
  readonly #options: KeyringOptions
  readonly #current: LruCache<DataKey>
  readonly #decrypted: LruCache<DataKey>
  /** KMS calls under way, by what they fill: a table's current key, or a decrypted key's cache id. */
  readonly #flights = new Map<string, Promise<void>>()
  #closed = false
  /** ARN of the KMS key new data keys come from, once KMS has named it. */
  currentKmsKeyArn: string | undefined

  constructor(options: KeyringOptions) {
    this.#options = options
    // Key material is wiped whenever a key leaves a cache: evicted, expired, replaced or cleared.
    const cache = {
      maxEntries: options.maxCachedKeys,
      ttlMs: options.maxKeyAgeMs,
      now: options.now,
      onEvict: (key: DataKey) => key.evict(),
    }
    this.#current = new LruCache(cache)
    this.#decrypted = new LruCache(cache)
  }

  /** The table's current data key, pinned, with `messages` fields counted against its budget. */
  async encryptionKey(table: string, messages: number): Promise<DataKey> {
    for (;;) {
      const key = this.#current.get(table)
      // A fresh key takes any item, even one with more fields than the budget.
      if (key !== undefined && (key.uses === 0 || key.uses + messages <= this.#options.maxMessagesPerKey)) {
        key.uses += messages
        return key.pin()
      }
      await this.#flight(table, () => this.#generate(table))
    }
  }

  /**
   * The plaintext of an encrypted key, pinned for the caller (release it after use): a field data key
   * of `table`, or without a table the beacon key.
   */
  async decryptionKey(encrypted: Uint8Array, table?: string): Promise<DataKey> {
    const id = cacheId(encrypted, table)
    for (;;) {
      const key = this.#decrypted.get(id)
      if (key !== undefined) return key.pin()
      await this.#flight(id, () => this.#decrypt(id, encrypted, table))
    }
  }

  // Concurrent misses wait for one KMS call, then take the key from the cache it filled (or wait for
  // another, should it have left meanwhile). A failure reaches every waiter and is not remembered.
  #flight(id: string, fill: () => Promise<void>): Promise<void> {
    let flight = this.#flights.get(id)
    if (flight === undefined) {
      flight = fill().finally(() => {
        this.#flights.delete(id)
        // A closed keyring keeps nothing: the key goes once the callers waiting on it hold it.
        if (this.#closed) this.#wipeSoon()
      })
      this.#flights.set(id, flight)
    }
    return flight
  }

  async #generate(table: string): Promise<void> {
    const [plaintext, kmsKeyArn, output] = await this.#requestKey(
      'GenerateDataKey',
      this.#options.keyId,
      ({ kms, client }) =>
        client.send(
          new kms.GenerateDataKeyCommand({
            KeyId: this.#options.keyId,
            KeySpec: 'AES_256',
            EncryptionContext: fieldKeyContext(table),
          }),
        ),
    )
    const encrypted = output.CiphertextBlob
    if (!encrypted?.length) {
      plaintext.fill(0)
      throw new KmsKeyError('KMS GenerateDataKey returned no encrypted data key')
    }
    const key = new DataKey(plaintext, encrypted, kmsKeyArn)
    this.currentKmsKeyArn = key.kmsKeyArn
    this.#cache(this.#current, table, key)
    // Reading back what this container wrote needs no Decrypt call: the read cache holds it too.
    this.#cache(this.#decrypted, cacheId(encrypted, table), key.pin())
  }

  // Decrypt names the KMS key it expects: without KeyId, KMS opens a data key under whatever key the
  // blob names, so a writer of the table could seal a field of their choosing under a key of their
  // own. The current key first (the usual case: one call), then each previous one after KMS answers
  // IncorrectKeyException: a data key of a rotated-away key costs a refused call per key tried before.
  async #decrypt(id: string, encrypted: Uint8Array, table: string | undefined): Promise<void> {
    const context = table === undefined ? beaconKeyContext : fieldKeyContext(table)
    const trusted = [this.#options.keyId, ...this.#options.previousKeyIds]
    for (const [index, keyId] of trusted.entries()) {
      try {
        const [plaintext, kmsKeyArn] = await this.#requestKey('Decrypt', keyId, ({ kms, client }) =>
          client.send(
            new kms.DecryptCommand({ CiphertextBlob: encrypted, EncryptionContext: context, KeyId: keyId }),
          ),
        )
        this.#cache(this.#decrypted, id, new DataKey(plaintext, encrypted, kmsKeyArn))
        return
      } catch (error) {
        // Under another key: the next trusted one may be it; after the last, none we trust is.
        if (index === trusted.length - 1 || !isDynamormError(error, 'UntrustedKmsKeyError')) throw error
      }
    }
  }

  // An LruCache forgets an expired key only when asked for it: a key nobody asks for again would stay
  // in memory, unwiped, for the container's life. A timer asks once the key's age is up.
  #cache(cache: LruCache<DataKey>, id: string, key: DataKey): void {
    const { now, maxKeyAgeMs } = this.#options
    cache.set(id, key)
    const expiresAt = now() + maxKeyAgeMs
    const expire = (): void => {
      const left = expiresAt - now()
      if (left > 0) setTimeout(expire, Math.min(left, MAX_TIMER_MS)).unref()
      else cache.get(id)
    }
    expire()
  }

  /**
   * One KMS call for a 256-bit key under the KMS key `keyId` names, copied out of the SDK's buffer
   * (which is wiped); with the output and the key's ARN.
   */
  async #requestKey<Output extends { Plaintext?: Uint8Array; KeyId?: string }>(
    operation: string,
    keyId: string,
    send: (api: KmsApi) => Promise<Output>,
  ): Promise<[Buffer, string, Output]> {
    // Outside the try: a module that cannot load is a configuration error, not a KMS outage.
    const api = await this.#options.kms()
    let output: Output
    try {
      output = await send(api)
    } catch (error) {
      throw kmsFailure(error, operation)
    }
    const plaintext = output.Plaintext
    // KMS itself refuses another key (IncorrectKeyException); an endpoint that ignored KeyId does not.
    if (!answersFor(keyId, output.KeyId)) {
      plaintext?.fill(0)
      throw new UntrustedKmsKeyError(`KMS ${operation} answered for another KMS key than the one named`, {
        details: { operation },
      })
    }
    if (plaintext?.length !== 32) {
      plaintext?.fill(0)
      throw new KmsKeyError(`KMS ${operation} returned no 256-bit key`)
    }
    const copy = Buffer.from(plaintext)
    plaintext.fill(0)
    return [copy, output.KeyId, output]
  }

  /** Cached keys, for tests and metrics. */
  get cachedKeys(): { current: number; decrypted: number } {
    return { current: this.#current.size, decrypted: this.#decrypted.size }
  }

  /**
   * Wipes every cached key (keys in use are wiped when released), and the keys of KMS calls still in
   * flight once their callers hold them: cached after the wipe, they would outlive it.
   */
  clear(): void {
    this.#wipeCaches()
    if (this.#flights.size > 0) void Promise.allSettled(this.#flights.values()).then(() => this.#wipeSoon())
  }

  /**
   * Wipes every key and keeps none from now on: for a keyring being dropped (an evicted partner's),
   * which operations already under way may still use, but nothing will read again.
   */
  close(): void {
    // Calls in flight see #closed when they settle and wipe their key then (see #flight).
    this.#closed = true
    this.#wipeCaches()
  }

  // The callers waiting on a KMS call resume first (microtasks) and pin their key; then the caches let
  // go of it, so it is wiped when the last caller releases it.
  #wipeSoon(): void {
    setImmediate(() => this.#wipeCaches())
  }

  #wipeCaches(): void {
    this.#current.clear()
    this.#decrypted.clear()
  }
}
