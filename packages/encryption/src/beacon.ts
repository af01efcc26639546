// Beacons: a truncated HMAC-SHA-256 of a field's plaintext, stored beside the ciphertext so an index
// can find equal values without decrypting. The HMAC key is itself a KMS-protected data key.

import { createHmac } from 'node:crypto'
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import type { KMSClient } from '@aws-sdk/client-kms'
import { canonicalAttributeValue } from './attribute-codec.ts'
import { EncryptionConfigError, KmsKeyError, kmsFailure } from './errors.ts'
import { type KmsApi, loadKmsModule } from './kms-client.ts'

/** KMS encryption context of beacon keys. */
export const beaconKeyContext: Record<string, string> = { purpose: 'dynamorm-beacon' }

const BEACON_KEY_BYTES = 32

/** u32 length + attribute name, then the canonical value: equal values of one attribute, equal beacons. */
export function beaconValue(key: Buffer, attribute: string, value: AttributeValue, bits: number): Buffer {
  const name = Buffer.from(attribute, 'utf8')
  const length = Buffer.allocUnsafe(4)
  length.writeUInt32BE(name.length)
  const mac = createHmac('sha256', key).update(length).update(name).update(canonicalAttributeValue(value))
  return mac.digest().subarray(0, bits / 8)
}

export function checkBeaconBits(bits: number, attribute: string): number {
  if (!Number.isInteger(bits) || bits < 8 || bits > 256 || bits % 8 !== 0) {
    throw new EncryptionConfigError(`Beacon of ${attribute}: bits must be a multiple of 8 from 8 to 256`)
  }
  return bits
}

/** The beacon key, decrypted by KMS at first use and kept (wiped by `wipe`). */
export class BeaconKey {
  readonly #encrypted: Uint8Array
  readonly #kms: () => Promise<KmsApi>
  #plaintext: Promise<Buffer> | undefined

  constructor(encrypted: Uint8Array | string, kms: () => Promise<KmsApi>) {
    this.#encrypted = typeof encrypted === 'string' ? Buffer.from(encrypted, 'base64') : encrypted
    if (this.#encrypted.length === 0) throw new EncryptionConfigError('The beacon key is empty')
    this.#kms = kms
  }

  key(): Promise<Buffer> {
    // A failed decrypt is not cached: the next write asks KMS again.
    this.#plaintext ??= this.#decrypt().catch((error: unknown) => {
      this.#plaintext = undefined
      throw error
    })
    return this.#plaintext
  }

  async #decrypt(): Promise<Buffer> {
    const { kms, client } = await this.#kms()
    let plaintext: Uint8Array | undefined
    try {
      const output = await client.send(
        new kms.DecryptCommand({ CiphertextBlob: this.#encrypted, EncryptionContext: beaconKeyContext }),
      )
      plaintext = output.Plaintext
    } catch (error) {
      throw kmsFailure(error, 'Decrypt')
    }
    if (plaintext?.length !== BEACON_KEY_BYTES)
      throw new KmsKeyError('KMS Decrypt returned no 256-bit beacon key')
    const key = Buffer.from(plaintext)
    plaintext.fill(0)
    return key
  }

  wipe(): void {
    const pending = this.#plaintext
    this.#plaintext = undefined
    pending?.then(
      (key) => key.fill(0),
      () => undefined,
    )
  }
}

/**
 * A new beacon key under a KMS key, returned only in its encrypted form (base64): configure it as
 * `beacons.key`. Run once per table family (or partner); losing it makes existing beacons unmatchable.
 */
export async function createBeaconKey(client: KMSClient, keyId: string): Promise<string> {
  const kms = await loadKmsModule()
  try {
    const output = await client.send(
      new kms.GenerateDataKeyWithoutPlaintextCommand({
        KeyId: keyId,
        KeySpec: 'AES_256',
        EncryptionContext: beaconKeyContext,
      }),
    )
    if (!output.CiphertextBlob) throw new KmsKeyError('KMS returned no encrypted beacon key')
    return Buffer.from(output.CiphertextBlob).toString('base64')
  } catch (error) {
    if (error instanceof KmsKeyError) throw error
    throw kmsFailure(error, 'GenerateDataKeyWithoutPlaintext')
  }
}
