// A plaintext data key in memory. It is wiped (zero-filled) once it has left its cache and the last
// operation using it has finished: pins keep an in-flight encryption from seeing a wiped key.
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
  #pins = 0
  #evicted = false
  #wiped = false

  constructor(plaintext: Buffer, encrypted: Uint8Array, kmsKeyArn: string) {
    this.plaintext = plaintext
    this.encrypted = encrypted
    this.id = dataKeyId(encrypted)
    this.kmsKeyArn = kmsKeyArn
  }

  get wiped(): boolean {
    return this.#wiped
  }

  pin(count = 1): this {
    this.#pins += count
    return this
  }

  release(): void {
    this.#pins -= 1
    if (this.#pins <= 0 && this.#evicted) this.#wipe()
  }

  /** Dropped from its cache: wiped now, or when its last user releases it. */
  evict(): void {
    this.#evicted = true
    if (this.#pins <= 0) this.#wipe()
  }

  #wipe(): void {
    this.plaintext.fill(0)
    this.#wiped = true
  }

  // A key in a console.log or an error's details prints as its id only.
  toJSON(): string {
    return `DataKey(${this.id.toString('hex')})`
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toJSON()
  }
}
