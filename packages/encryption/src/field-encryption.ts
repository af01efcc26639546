// fieldEncryption(): the ItemTransformer core calls on items of models with encrypted attributes.
// Writes: every encrypted attribute becomes a Binary field sealed with the table's current data key,
// whose KMS ciphertext is stored once per item; reads: the reverse, failing closed.

import { randomBytes } from 'node:crypto'
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import type { KMSClient } from '@aws-sdk/client-kms'
import {
  type AttributeMap,
  type ItemTransformContext,
  type ItemTransformer,
  marshallValue,
  ValidationError,
} from '@dynamorm/core'
import { decodeAttributeValue, encodeAttributeValue } from './attribute-codec.ts'
import { BeaconKey, beaconValue, checkBeaconBits } from './beacon.ts'
import type { DataKey } from './data-key.ts'
import { DecryptionError, EncryptionConfigError } from './errors.ts'
import { canonicalKey, fieldAad } from './field-aad.ts'
import {
  type DataKeyReference,
  fieldHeader,
  IV_BYTES,
  KEY_IN_ITEM,
  KEY_INLINE,
  openField,
  type ParsedField,
  parseField,
  sealField,
} from './field-format.ts'
import { Keyring } from './keyring.ts'
import { type KmsApi, lazyKmsApi } from './kms-client.ts'

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

export interface FieldEncryptionOptions {
  /** KMS key (id, ARN or alias) that protects new data keys. Old items name their own key. */
  keyId: string
  /**
   * KMS client (default: `new KMSClient({})`, region from the environment). Either way
   * `@aws-sdk/client-kms` is imported at the first KMS call, not at module init.
   */
  kms?: KMSClient
  /** Fields one data key encrypts before a new one is generated (default 10 000). */
  maxMessagesPerKey?: number
  /** How long a data key is used for writes, and a decrypted data key is cached (default 5 min). */
  maxKeyAgeMs?: number
  /** Bound on cached data keys, per cache (default 1000). */
  maxCachedKeys?: number
  /** Reserved attribute holding the item's encrypted data keys (default `__dk`). */
  dataKeyAttribute?: string
  /** Equality-searchable keyed hashes of some encrypted attributes. */
  beacons?: BeaconOptions
  /** Table name the AAD binds, from the physical name (default: itself); lets a restored copy be read. */
  bindingTable?: (table: string) => string
  /** Clock in ms (default Date.now). */
  now?: () => number
}

/** The transformer's context, plus one flag core sets for writes that hold only part of an item. */
export interface FieldEncryptionContext extends ItemTransformContext {
  /**
   * The item holds only some attributes (an UpdateItem's SET values): each field then carries its
   * own encrypted data key, and the item's data-key attribute is left alone. Default: true when the
   * item lacks any of `key`'s attributes.
   */
  partial?: boolean
}

export interface ReencryptedItem {
  item: AttributeMap
  /** Whether any field was under another KMS key than the current one. */
  changed: boolean
}

export interface FieldEncryption extends ItemTransformer {
  beforeWrite(item: AttributeMap, context: FieldEncryptionContext): Promise<AttributeMap>
  afterRead(item: AttributeMap, context: FieldEncryptionContext): Promise<AttributeMap>
  /** The beacon to query with: the value a GSI on the beacon attribute holds for this plaintext. */
  beacon(attribute: string, value: unknown): Promise<Uint8Array>
  /** Same as `beacon`, for a value already marshalled (e.g. a decimal stored as N). */
  beaconOf(attribute: string, value: AttributeValue): Promise<Uint8Array>
  /** A stored item's fields re-sealed under the current KMS key (and a fresh data key reference). */
  reencryptItem(item: AttributeMap, context: FieldEncryptionContext): Promise<ReencryptedItem>
  /** Attribute names this transformer adds: the data-key attribute and beacon attributes. */
  readonly storedAttributes: { dataKey: string; beacons: Readonly<Record<string, string>> }
  /** Cached data keys (for metrics and tests). */
  readonly cachedKeys: { current: number; decrypted: number }
  /** Wipes every cached key; the transformer still works (it asks KMS again). */
  wipeKeys(): void
}

export const defaults = {
  maxMessagesPerKey: 10_000,
  maxKeyAgeMs: 5 * 60_000,
  maxCachedKeys: 1000,
  dataKeyAttribute: '__dk',
  beaconBits: 64,
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1)
    throw new EncryptionConfigError(`${name} must be a positive integer`)
  return value
}

export function fieldEncryption(options: FieldEncryptionOptions): FieldEncryption {
  const given = options.kms
  return fieldEncryptionWith(
    options,
    lazyKmsApi((kms) => given ?? new kms.KMSClient({})),
  )
}

/** fieldEncryption() with the KMS client reached through `kms` (partner-encryption makes its own). */
export function fieldEncryptionWith(
  options: Omit<FieldEncryptionOptions, 'kms'>,
  kms: () => Promise<KmsApi>,
): FieldEncryption {
  if (typeof options.keyId !== 'string' || options.keyId === '') {
    throw new EncryptionConfigError('fieldEncryption needs a KMS keyId')
  }
  const dataKeyAttribute = options.dataKeyAttribute ?? defaults.dataKeyAttribute
  const bindingTable = options.bindingTable ?? ((table: string) => table)
  const keyring = new Keyring({
    kms,
    keyId: options.keyId,
    maxMessagesPerKey: positiveInteger(
      options.maxMessagesPerKey ?? defaults.maxMessagesPerKey,
      'maxMessagesPerKey',
    ),
    maxKeyAgeMs: positiveInteger(options.maxKeyAgeMs ?? defaults.maxKeyAgeMs, 'maxKeyAgeMs'),
    maxCachedKeys: positiveInteger(options.maxCachedKeys ?? defaults.maxCachedKeys, 'maxCachedKeys'),
    now: options.now ?? Date.now,
  })
  const beaconKey = options.beacons ? new BeaconKey(options.beacons.key, kms) : undefined
  const beacons = new Map<string, { name: string; bits: number }>()
  for (const [attribute, spec] of Object.entries(options.beacons?.attributes ?? {})) {
    const name = spec.name ?? `${attribute}Beacon`
    if (name === dataKeyAttribute)
      throw new EncryptionConfigError(`Beacon of ${attribute} would overwrite ${name}`)
    beacons.set(attribute, { name, bits: checkBeaconBits(spec.bits ?? defaults.beaconBits, attribute) })
  }

  const checkContext = (item: AttributeMap, context: ItemTransformContext): string[] => {
    for (const attribute of context.encryptedAttributes) {
      if (attribute in context.key) {
        throw new ValidationError(`${attribute} is encrypted and cannot be part of the primary key`)
      }
      if (
        attribute === dataKeyAttribute ||
        [...beacons.values()].some((beacon) => beacon.name === attribute)
      ) {
        throw new ValidationError(`${attribute} is a name reserved by field encryption`)
      }
    }
    return context.encryptedAttributes.filter((attribute) => item[attribute] !== undefined)
  }

  async function beaconsFor(item: AttributeMap, present: string[]): Promise<AttributeMap> {
    const out: AttributeMap = {}
    const wanted = present.filter((attribute) => beacons.has(attribute))
    if (wanted.length === 0 || beaconKey === undefined) return out
    const key = await beaconKey.key()
    for (const attribute of wanted) {
      const { name, bits } = beacons.get(attribute)!
      out[name] = { B: beaconValue(key, attribute, item[attribute]!, bits) }
    }
    return out
  }

  async function fieldEncryptionBeforeWrite(
    item: AttributeMap,
    context: FieldEncryptionContext,
  ): Promise<AttributeMap> {
    const present = checkContext(item, context)
    // A whole item always holds its own key; one that does not is an update's SET values.
    const partial = context.partial ?? !Object.keys(context.key).every((name) => item[name] !== undefined)
    const out: AttributeMap = { ...item }
    if (!partial) delete out[dataKeyAttribute]
    if (present.length === 0) return out
    const table = bindingTable(context.table)
    const encodedKey = canonicalKey(context.key)
    // Encode first: a value that cannot be stored fails before KMS is asked for anything.
    const plaintexts = present.map((attribute) => encodeAttributeValue(item[attribute]!))
    let key: DataKey | undefined
    try {
      Object.assign(out, await beaconsFor(item, present))
      key = await keyring.encryptionKey(table, present.length)
      const reference: DataKeyReference = partial
        ? { kind: KEY_INLINE, encryptedKey: key.encrypted }
        : { kind: KEY_IN_ITEM, id: key.id }
      const header = fieldHeader(reference)
      present.forEach((attribute, index) => {
        const aad = fieldAad(header, { table, key: context.key, attribute }, encodedKey)
        const plaintext = plaintexts[index]!
        out[attribute] = {
          B: sealField({ dataKey: key!.plaintext, iv: randomBytes(IV_BYTES), header, aad, plaintext }),
        }
      })
      if (!partial) out[dataKeyAttribute] = { M: { [key.id.toString('hex')]: { B: key.encrypted } } }
      return out
    } finally {
      key?.release()
      for (const plaintext of plaintexts) plaintext.fill(0)
    }
  }

  async function openItem(
    item: AttributeMap,
    context: FieldEncryptionContext,
  ): Promise<{ item: AttributeMap; kmsKeys: Set<string> }> {
    const present = checkContext(item, context)
    const out: AttributeMap = { ...item }
    delete out[dataKeyAttribute]
    for (const { name } of beacons.values()) delete out[name]
    const kmsKeys = new Set<string>()
    if (present.length === 0) return { item: out, kmsKeys }
    const table = bindingTable(context.table)
    const storedKeys = item[dataKeyAttribute]?.M ?? {}
    const fields = present.map((attribute) => {
      const stored = item[attribute]!
      if (stored.B === undefined) {
        throw new DecryptionError(`Field ${attribute} is not an encrypted value`, { details: { attribute } })
      }
      const field = parseField(stored.B)
      return { attribute, field, encryptedKey: encryptedKeyOf(field, storedKeys, attribute) }
    })
    const wanted = new Map(
      fields.map(({ encryptedKey }) => [Buffer.from(encryptedKey).toString('base64'), encryptedKey]),
    )
    const settled = await Promise.allSettled(
      [...wanted.values()].map((encrypted) => keyring.decryptionKey(table, encrypted)),
    )
    const keys = new Map<string, DataKey>()
    settled.forEach((result, index) => {
      if (result.status === 'fulfilled') keys.set([...wanted.keys()][index]!, result.value)
    })
    try {
      const failure = settled.find((result) => result.status === 'rejected')
      if (failure) throw failure.reason
      const encodedKey = canonicalKey(context.key)
      for (const { attribute, field, encryptedKey } of fields) {
        const key = keys.get(Buffer.from(encryptedKey).toString('base64'))!
        kmsKeys.add(key.kmsKeyArn)
        const aad = fieldAad(field.header, { table, key: context.key, attribute }, encodedKey)
        const plaintext = openField(field, key.plaintext, aad, attribute)
        try {
          out[attribute] = decodeAttributeValue(plaintext)
        } finally {
          plaintext.fill(0)
        }
      }
      return { item: out, kmsKeys }
    } finally {
      for (const key of keys.values()) key.release()
    }
  }

  async function fieldEncryptionAfterRead(
    item: AttributeMap,
    context: FieldEncryptionContext,
  ): Promise<AttributeMap> {
    return (await openItem(item, context)).item
  }

  async function beaconOf(attribute: string, value: AttributeValue): Promise<Uint8Array> {
    const spec = beacons.get(attribute)
    if (spec === undefined || beaconKey === undefined) {
      throw new EncryptionConfigError(`${attribute} has no beacon configured`)
    }
    return beaconValue(await beaconKey.key(), attribute, value, spec.bits)
  }

  return {
    beforeWrite: fieldEncryptionBeforeWrite,
    afterRead: fieldEncryptionAfterRead,
    beaconOf,
    beacon: (attribute, value) => beaconOf(attribute, marshallValue(value, attribute)),
    async reencryptItem(item, context) {
      const opened = await openItem(item, context)
      const sealed = await fieldEncryptionBeforeWrite(opened.item, { ...context, partial: false })
      const current = keyring.currentKmsKeyArn
      const changed = [...opened.kmsKeys].some((kmsKey) => kmsKey !== current)
      return { item: sealed, changed }
    },
    storedAttributes: {
      dataKey: dataKeyAttribute,
      beacons: Object.fromEntries([...beacons].map(([attribute, { name }]) => [attribute, name])),
    },
    get cachedKeys() {
      return keyring.cachedKeys
    },
    wipeKeys() {
      keyring.clear()
      beaconKey?.wipe()
    },
  }
}

function encryptedKeyOf(field: ParsedField, storedKeys: AttributeMap, attribute: string): Uint8Array {
  if (field.reference.kind === KEY_INLINE) return field.reference.encryptedKey
  const stored = storedKeys[field.reference.id.toString('hex')]?.B
  if (stored === undefined) {
    throw new DecryptionError(`The data key of field ${attribute} is missing from the item`, {
      details: { attribute },
    })
  }
  return stored
}
