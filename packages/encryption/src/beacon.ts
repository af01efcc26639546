// Beacons: a truncated HMAC-SHA-256 of a field's plaintext, stored beside the ciphertext so an index
// can find equal values without decrypting. The HMAC key is itself a KMS-protected data key.

import { createHmac } from 'node:crypto'
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import type { KMSClient } from '@aws-sdk/client-kms'
import { canonicalAttributeValue, u32 } from './attribute-codec.ts'
import { KmsKeyError, kmsFailure } from './errors.ts'
import { beaconKeyContext } from './keyring.ts'
import { loadKmsModule } from './kms-client.ts'

export interface BeaconAttributeOptions {
  /** Attribute the beacon is stored in (default `<attribute>Beacon`); put a GSI on it. */
  name?: string
  /** Beacon length in bits, a multiple of 8 (default 64). Fewer bits: more false matches, less leakage. */
  bits?: number
}

export interface BeaconOptions {
  /** The beacon key's KMS ciphertext (bytes or base64), as `createBeaconKey` returns it. */
  key: Uint8Array | string
  /** Encrypted attributes that get a beacon. */
  attributes: Record<string, BeaconAttributeOptions>
}

/** u32 length + attribute name, then the canonical value: equal values of one attribute, equal beacons. */
export function beaconValue(key: Buffer, attribute: string, value: AttributeValue, bits: number): Buffer {
  const name = Buffer.from(attribute, 'utf8')
  const mac = createHmac('sha256', key)
    .update(u32(name.length))
    .update(name)
    .update(canonicalAttributeValue(value))
  return mac.digest().subarray(0, bits / 8)
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
    throw kmsFailure(error, 'GenerateDataKeyWithoutPlaintext')
  }
}
