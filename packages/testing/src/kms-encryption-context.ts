export type EncryptionContext = Record<string, string>

/**
 * A byte form of the encryption context that does not depend on key order; it is the AAD of the
 * sealed blob, so decrypting with a different context fails authentication like real KMS.
 */
export function canonicalEncryptionContext(context: EncryptionContext | undefined): Buffer {
  const entries = Object.entries(context ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return Buffer.from(JSON.stringify(entries), 'utf8')
}
