// A plaintext data key in memory. It is wiped (zero-filled) once nothing holds it: each cache it sits
// in holds it, and so does each operation using it, so an in-flight encryption never sees it wiped.
import { dataKeyId } from './field-format.ts'

export class DataKey {
  /** The AES-256 key. Never logged, never copied out of this object. */
  readonly plaintext: Buffer
  /** The KMS ciphertext of the key (what is stored with the item). */
  readonly encrypted: Uint8Array
  /** First 8 bytes of SHA-256 of `encrypted`: how fields name it. */
  readonly id: Buffer
  /** The KMS key that protects it, as KMS reported it (an ARN). */
  readonly kmsKeyArn: string
  /** Fields sealed with it, counted against the write budget while it is a table's current key. */
  uses = 0
  /** Caches and operations holding it; the cache it is made for holds it from the start. */
  #holds = 1

  constructor(plaintext: Buffer, encrypted: Uint8Array, kmsKeyArn: string) {
    this.plaintext = plaintext
    this.encrypted = encrypted
    this.id = dataKeyId(encrypted)
    this.kmsKeyArn = kmsKeyArn
  }

  /** Held `count` more times; each hold ends with `release`. */
  pin(count = 1): this {
    this.#holds += count
    return this
  }

  release(): void {
    this.#holds -= 1
    if (this.#holds === 0) this.plaintext.fill(0)
  }

  /** Dropped by a cache: the cache's hold ends. */
  evict(): void {
    this.release()
  }

  // A key in a console.log or an error's details prints as its id only.
  toJSON(): string {
    return `DataKey(${this.id.toString('hex')})`
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toJSON()
  }
}
