/** A symmetric key the loopback KMS holds. */
export interface KmsKey {
  keyId: string
  /** `alias/name` or just `name`. */
  aliases?: string[]
  /** Default true. */
  enabled?: boolean
  /** Account in the key ARN (default 123456789012). */
  accountId?: string
}

export const kmsRegion = 'us-east-1'
export const defaultKmsAccountId = '123456789012'

export function kmsKeyArn(keyId: string, accountId: string = defaultKmsAccountId): string {
  return `arn:aws:kms:${kmsRegion}:${accountId}:key/${keyId}`
}

/** `x` and `alias/x` name the same alias. */
export function normalizeAlias(alias: string): string {
  return alias.startsWith('alias/') ? alias : `alias/${alias}`
}

export type KeyReference = { kind: 'keyId'; keyId: string } | { kind: 'alias'; alias: string }

/** What a KeyId parameter points at: a key id, key ARN, alias name or alias ARN. */
export function parseKeyReference(reference: string): KeyReference {
  const arnMatch = /^arn:aws[\w-]*:kms:[\w-]+:\d{12}:(key|alias)\/(.+)$/.exec(reference)
  if (arnMatch) {
    return arnMatch[1] === 'key'
      ? { kind: 'keyId', keyId: arnMatch[2]! }
      : { kind: 'alias', alias: `alias/${arnMatch[2]!}` }
  }
  if (reference.startsWith('alias/')) return { kind: 'alias', alias: reference }
  return { kind: 'keyId', keyId: reference }
}
