import { randomBytes } from 'node:crypto'
import { kmsErrors } from './kms-error.ts'
import {
  defaultKmsAccountId,
  type KmsKey,
  kmsKeyArn,
  kmsRegion,
  normalizeAlias,
  parseKeyReference,
} from './kms-key.ts'

export interface StoredKmsKey {
  keyId: string
  arn: string
  accountId: string
  enabled: boolean
  /** The random 256-bit secret every blob of this key is sealed with. */
  masterSecret: Buffer
  createdAt: Date
}

export interface KmsKeyStore {
  add(key: KmsKey): void
  setEnabled(keyId: string, enabled: boolean): void
  /** The key a KeyId parameter names, enabled or not; NotFoundException otherwise. */
  resolve(reference: string): StoredKmsKey
  /** Like resolve, but DisabledException for a disabled key. */
  resolveUsable(reference: string): StoredKmsKey
  byId(keyId: string): StoredKmsKey | undefined
}

export function createKmsKeyStore(): KmsKeyStore {
  const keys = new Map<string, StoredKmsKey>()
  const aliases = new Map<string, string>()

  const requireKey = (keyId: string): StoredKmsKey => {
    const key = keys.get(keyId)
    if (!key) throw kmsErrors.notFound(`Key '${kmsKeyArn(keyId)}' does not exist`)
    return key
  }

  const resolve = (reference: string): StoredKmsKey => {
    const parsed = parseKeyReference(reference)
    // An ARN names a region and an account: the same key id or alias elsewhere is another key, not found.
    const elsewhere = (key: StoredKmsKey) =>
      parsed.location !== undefined &&
      (parsed.location.region !== kmsRegion || parsed.location.accountId !== key.accountId)
    if (parsed.kind === 'keyId') {
      const key = requireKey(parsed.keyId)
      if (elsewhere(key)) throw kmsErrors.notFound(`Key '${reference}' does not exist`)
      return key
    }
    const keyId = aliases.get(parsed.alias)
    const key = keyId === undefined ? undefined : requireKey(keyId)
    if (key === undefined || elsewhere(key)) throw kmsErrors.notFound(`Alias ${reference} is not found.`)
    return key
  }

  return {
    add(key) {
      const existing = keys.get(key.keyId)
      const accountId = key.accountId ?? existing?.accountId ?? defaultKmsAccountId
      keys.set(key.keyId, {
        keyId: key.keyId,
        arn: kmsKeyArn(key.keyId, accountId),
        accountId,
        enabled: key.enabled ?? true,
        // Re-adding a key keeps its secret, so blobs sealed earlier still open.
        masterSecret: existing?.masterSecret ?? randomBytes(32),
        createdAt: existing?.createdAt ?? new Date(),
      })
      for (const alias of key.aliases ?? []) aliases.set(normalizeAlias(alias), key.keyId)
    },
    setEnabled(keyId, enabled) {
      requireKey(keyId).enabled = enabled
    },
    resolve,
    resolveUsable(reference) {
      const key = resolve(reference)
      if (!key.enabled) throw kmsErrors.disabled(key.arn)
      return key
    },
    byId: (keyId) => keys.get(keyId),
  }
}
