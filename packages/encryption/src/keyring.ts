// Data keys from KMS: one current key per table reused for a bounded number of fields and time (so
// KMS is called about once per container and table, not per write), and decrypted keys cached by
// their encrypted form. Concurrent misses share one KMS call.
import type { GenerateDataKeyCommandOutput } from '@aws-sdk/client-kms'
import { DataKey } from './data-key.ts'
import { DataKeyCache, type Evictable } from './data-key-cache.ts'
import { KmsKeyError, kmsFailure } from './errors.ts'
import type { KmsApi } from './kms-client.ts'

export interface KeyringOptions {
  /** The KMS module and client, loaded at the first call. */
  kms: () => Promise<KmsApi>
  keyId: string
  maxMessagesPerKey: number
  maxKeyAgeMs: number
  maxCachedKeys: number
  now: () => number
}

const DATA_KEY_BYTES = 32

/** KMS encryption context of field data keys: bound to the table, not the row, so a key serves many rows. */
export function fieldKeyContext(table: string): Record<string, string> {
  return { purpose: 'dynamorm-field', table }
}

class EncryptionSlot implements Evictable {
  readonly key: DataKey
  uses = 0
  constructor(key: DataKey) {
    this.key = key
  }
  evict(): void {
    this.key.evict()
  }
}

interface Flight {
  promise: Promise<DataKey>
  waiters: number
}

export class Keyring {
  readonly #options: KeyringOptions
  readonly #current: DataKeyCache<EncryptionSlot>
  readonly #decrypted: DataKeyCache<DataKey>
  readonly #generating = new Map<string, Promise<void>>()
  readonly #decrypting = new Map<string, Flight>()
  /** ARN of the KMS key new data keys come from, once KMS has named it. */
  currentKmsKeyArn: string | undefined

  constructor(options: KeyringOptions) {
    this.#options = options
    const cache = { maxEntries: options.maxCachedKeys, ttlMs: options.maxKeyAgeMs, now: options.now }
    this.#current = new DataKeyCache(cache)
    this.#decrypted = new DataKeyCache(cache)
  }

  /** The table's current data key, pinned, with `messages` fields counted against its budget. */
  async encryptionKey(table: string, messages: number): Promise<DataKey> {
    for (;;) {
      const slot = this.#current.get(table)
      // A fresh key takes any item, even one with more fields than the budget.
      if (
        slot !== undefined &&
        (slot.uses === 0 || slot.uses + messages <= this.#options.maxMessagesPerKey)
      ) {
        slot.uses += messages
        return slot.key.pin()
      }
      await this.#generate(table)
    }
  }

  #generate(table: string): Promise<void> {
    let flight = this.#generating.get(table)
    if (flight === undefined) {
      flight = this.#generateDataKey(table).finally(() => this.#generating.delete(table))
      this.#generating.set(table, flight)
    }
    return flight
  }

  async #generateDataKey(table: string): Promise<void> {
    const context = fieldKeyContext(table)
    // Outside the try: a module that cannot load is a configuration error, not a KMS outage.
    const { kms, client } = await this.#options.kms()
    let output: GenerateDataKeyCommandOutput
    try {
      output = await client.send(
        new kms.GenerateDataKeyCommand({
          KeyId: this.#options.keyId,
          KeySpec: 'AES_256',
          EncryptionContext: context,
        }),
      )
    } catch (error) {
      throw kmsFailure(error, 'GenerateDataKey')
    }
    const { Plaintext: plaintext, CiphertextBlob: encrypted, KeyId: arn } = output
    if (plaintext?.length !== DATA_KEY_BYTES || encrypted === undefined || encrypted.length === 0) {
      plaintext?.fill(0)
      throw new KmsKeyError('KMS GenerateDataKey returned no usable AES-256 data key')
    }
    const kmsKeyArn = arn ?? this.#options.keyId
    this.currentKmsKeyArn = kmsKeyArn
    // Two copies, each wiped by its own cache; the SDK's buffer is wiped now.
    const forWrites = new DataKey(Buffer.from(plaintext), encrypted, kmsKeyArn)
    const forReads = new DataKey(Buffer.from(plaintext), encrypted, kmsKeyArn)
    plaintext.fill(0)
    this.#current.set(table, new EncryptionSlot(forWrites))
    // Reading back what this container wrote needs no Decrypt call.
    this.#decrypted.set(cacheId(table, encrypted), forReads)
  }

  /** The plaintext of an encrypted data key, pinned for the caller (release it after use). */
  decryptionKey(table: string, encrypted: Uint8Array): Promise<DataKey> {
    const id = cacheId(table, encrypted)
    const cached = this.#decrypted.get(id)
    if (cached !== undefined) return Promise.resolve(cached.pin())
    let flight = this.#decrypting.get(id)
    if (flight === undefined) {
      const started: Flight = { waiters: 0, promise: Promise.resolve(undefined as never) }
      started.promise = this.#decryptDataKey(table, encrypted).then(
        (key) => {
          this.#decrypting.delete(id)
          this.#decrypted.set(id, key)
          // Pinned for every waiter before any of them runs, so none can see it wiped.
          return key.pin(started.waiters)
        },
        (error: unknown) => {
          this.#decrypting.delete(id)
          throw error
        },
      )
      flight = started
      this.#decrypting.set(id, flight)
    }
    flight.waiters += 1
    return flight.promise
  }

  async #decryptDataKey(table: string, encrypted: Uint8Array): Promise<DataKey> {
    const { kms, client } = await this.#options.kms()
    let output: { Plaintext?: Uint8Array; KeyId?: string }
    try {
      output = await client.send(
        new kms.DecryptCommand({ CiphertextBlob: encrypted, EncryptionContext: fieldKeyContext(table) }),
      )
    } catch (error) {
      throw kmsFailure(error, 'Decrypt')
    }
    const plaintext = output.Plaintext
    if (plaintext?.length !== DATA_KEY_BYTES) {
      plaintext?.fill(0)
      throw new KmsKeyError('KMS Decrypt returned no AES-256 data key')
    }
    const key = new DataKey(Buffer.from(plaintext), encrypted, output.KeyId ?? 'unknown')
    plaintext.fill(0)
    return key
  }

  /** Cached keys, for tests and metrics. */
  get cachedKeys(): { current: number; decrypted: number } {
    return { current: this.#current.size, decrypted: this.#decrypted.size }
  }

  /** Wipes every cached key (keys in use are wiped when released). */
  clear(): void {
    this.#current.clear()
    this.#decrypted.clear()
  }
}

// The table is part of the id: the same blob is only valid under its own table's encryption context.
function cacheId(table: string, encrypted: Uint8Array): string {
  return `${table}\u0000${Buffer.from(encrypted.buffer, encrypted.byteOffset, encrypted.byteLength).toString('base64')}`
}
