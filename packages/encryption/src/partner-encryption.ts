// Per-partner keys: each partner's fields are sealed under its own KMS key, reached through the
// partner's assumed-role credentials, so one partner's role can never open another's data.
import type { KMSClient, KMSClientConfig } from '@aws-sdk/client-kms'
import { LruCache } from '@dynamorm/core'
import { EncryptionConfigError } from './errors.ts'
import { type FieldEncryption, type FieldEncryptionOptions, fieldEncryptionWith } from './field-encryption.ts'
import { lazyKmsApi, loadKmsModule } from './kms-client.ts'

/** What encryption needs of @dynamorm/partner's `context.partner`. */
export interface EncryptingPartner {
  id: string
  /** The partner's AWS account: a key id or alias names another key in another account. */
  accountId?: string
  region?: string
  kmsKeyId?: string
  /** The assumed role's credentials (provider or identity). */
  credentials?: KMSClientConfig['credentials']
}

export interface PartnerFieldEncryptionOptions
  extends Omit<FieldEncryptionOptions, 'kms' | 'keyId' | 'previousKeyIds' | 'beacons'> {
  /** Key for partners that name none (default: none, so such a partner is a configuration error). */
  keyId?: string
  /** The partner's keys being rotated away from, whose data keys its reads still accept (default none). */
  previousKeyIds?: (partner: EncryptingPartner) => readonly string[]
  /** Extra KMS client settings for every partner's client (endpoint, retries, request handler). */
  kmsConfig?: Omit<KMSClientConfig, 'credentials' | 'region'>
  /** Beacons, with the partner's own beacon key (encrypted under the partner's KMS key). */
  beacons?: {
    key: (partner: EncryptingPartner) => Uint8Array | string
    attributes: NonNullable<FieldEncryptionOptions['beacons']>['attributes']
  }
  /** Partners whose client and key caches are kept (default 100); the least recently used go first. */
  maxPartners?: number
}

export interface PartnerFieldEncryption {
  (partner: EncryptingPartner): FieldEncryption
  /** Wipes every partner's keys and closes their KMS clients. */
  dispose(): void
}

export const partnerDefaults = { maxPartners: 100 }

// An evicted partner's client may still be serving a request under way: its sockets close a while later.
const EVICTED_CLIENT_GRACE_MS = 60_000

function retire(client: KMSClient, graceMs: number): void {
  if (graceMs === 0) client.destroy()
  else setTimeout(() => client.destroy(), graceMs).unref()
}

class PartnerEntry {
  readonly encryption: FieldEncryption
  /** Read by the client's credential provider on every signing, so refreshed credentials are used. */
  credentials: KMSClientConfig['credentials']
  /** Made at the partner's first KMS call (with the SDK module), not when the partner is first seen. */
  #client: KMSClient | undefined
  #evicted = false
  constructor(
    partner: EncryptingPartner,
    options: PartnerFieldEncryptionOptions,
    keyId: string,
    previousKeyIds: readonly string[],
  ) {
    this.credentials = partner.credentials
    // A provider that caches credentials itself (marked memoized, as @dynamorm/partner's) is asked at
    // every signing, so a new session applies to the next call; the SDK keeps its own copy of any other.
    const latestCredentials = Object.assign(
      async (input: unknown) => {
        const provider = this.credentials as unknown
        return typeof provider === 'function' ? provider(input) : provider
      },
      { memoized: (partner.credentials as { memoized?: unknown } | undefined)?.memoized === true },
    )
    const kms = lazyKmsApi((module) => {
      const client = new module.KMSClient({
        ...options.kmsConfig,
        ...(partner.region === undefined ? {} : { region: partner.region }),
        ...(partner.credentials === undefined ? {} : { credentials: latestCredentials }),
      })
      // Evicted while the module loaded: the call that made it still runs.
      if (this.#evicted) retire(client, EVICTED_CLIENT_GRACE_MS)
      this.#client = client
      return client
    })
    const beacons = options.beacons
    this.encryption = fieldEncryptionWith(
      {
        ...options,
        keyId,
        previousKeyIds,
        beacons: beacons && { key: beacons.key(partner), attributes: beacons.attributes },
      },
      kms,
    )
  }
  /** Keys wiped at once; the client closed after `graceMs`, so a call under way is not cut off. */
  evict(graceMs: number): void {
    this.#evicted = true
    this.encryption.close()
    if (this.#client !== undefined) retire(this.#client, graceMs)
  }
}

/** `(partner) => FieldEncryption`, one client and key cache per partner, built at the partner's first use. */
export function partnerFieldEncryption(options: PartnerFieldEncryptionOptions): PartnerFieldEncryption {
  // Evicted to make room: a request of that partner may be mid-call. dispose() closes every client at once.
  let graceMs = EVICTED_CLIENT_GRACE_MS
  const partners = new LruCache<PartnerEntry>({
    maxEntries: options.maxPartners ?? partnerDefaults.maxPartners,
    onEvict: (entry) => entry.evict(graceMs),
  })
  const forPartner = (partner: EncryptingPartner): FieldEncryption => {
    const keyId = partner.kmsKeyId ?? options.keyId
    if (keyId === undefined) {
      throw new EncryptionConfigError(`Partner ${partner.id} has no KMS key for field encryption`)
    }
    const previousKeyIds = options.previousKeyIds?.(partner) ?? []
    // Everything that picks the KMS keys: a partner moved to another account gets no key of the old
    // one, and a changed list of trusted keys applies at once.
    const id = [partner.id, partner.accountId ?? '', partner.region ?? '', keyId, ...previousKeyIds].join(
      '\u0000',
    )
    let entry = partners.get(id)
    if (entry === undefined) {
      // The partner's first write or read will need KMS: start loading the SDK module now (a failure
      // surfaces at that KMS call, which loads it again).
      loadKmsModule().catch(() => undefined)
      entry = new PartnerEntry(partner, options, keyId, previousKeyIds)
      partners.set(id, entry)
    } else if (partner.credentials !== undefined) {
      entry.credentials = partner.credentials
    }
    return entry.encryption
  }
  const dispose = () => {
    graceMs = 0
    partners.clear()
    graceMs = EVICTED_CLIENT_GRACE_MS
  }
  return Object.assign(forPartner, { dispose })
}
