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

/** An ARN's region and account: a key is only found there, as in KMS, where keys and aliases are regional and per account. */
export interface KeyLocation {
  region: string
  accountId: string
}

export type KeyReference =
  | { kind: 'keyId'; keyId: string; location?: KeyLocation }
  | { kind: 'alias'; alias: string; location?: KeyLocation }

/** What a KeyId parameter points at: a key id, key ARN, alias name or alias ARN. */
export function parseKeyReference(reference: string): KeyReference {
  const arnMatch = /^arn:aws[\w-]*:kms:([\w-]+):(\d{12}):(key|alias)\/(.+)$/.exec(reference)
  if (arnMatch) {
    const [, region, accountId, kind, name] = arnMatch as unknown as [string, string, string, string, string]
    const location = { region, accountId }
    return kind === 'key'
      ? { kind: 'keyId', keyId: name, location }
      : { kind: 'alias', alias: `alias/${name}`, location }
  }
  if (reference.startsWith('alias/')) return { kind: 'alias', alias: reference }
  return { kind: 'keyId', keyId: reference }
}
