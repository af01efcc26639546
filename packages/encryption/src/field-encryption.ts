// fieldEncryption(): the ItemTransformer core calls on items of models with encrypted attributes.
// Writes: every encrypted attribute becomes a Binary field sealed with the table's current data key,
// whose KMS ciphertext is stored once per item; reads: the reverse, failing closed.

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
import { type BeaconOptions, beaconValue } from './beacon.ts'
import type { DataKey } from './data-key.ts'
import { DecryptionError, EncryptionConfigError } from './errors.ts'
import { canonicalKey, fieldAad } from './field-aad.ts'
import { fieldHeader, openField, parseField, sealField } from './field-format.ts'
import { Keyring } from './keyring.ts'
import { type KmsApi, lazyKmsApi } from './kms-client.ts'

export interface FieldEncryptionOptions {
  /** KMS key (id, ARN or alias) that protects new data keys; reads trust it first. */
  keyId: string
  /**
   * Other KMS keys (id or ARN; an alias only while it still names that key) whose data keys reads
   * accept: keys being rotated away from. Data keys under any other KMS key are refused
   * (`UntrustedKmsKeyError`). Default none.
   */
  previousKeyIds?: readonly string[]
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
  /** Wipes every cached key, and those of KMS calls in flight once handed out; it still works (asks KMS again). */
  wipeKeys(): void
  /** Wipes every key and caches none from now on: for a transformer being dropped that requests under way may still use. */
  close(): void
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

// Below this a key could age out between KMS answering and its first use, and every new key would be
// asked for again.
const MIN_KEY_AGE_MS = 1000

function keyAge(value: number): number {
  if (!Number.isInteger(value) || value < MIN_KEY_AGE_MS)
    throw new EncryptionConfigError(`maxKeyAgeMs must be an integer of at least ${MIN_KEY_AGE_MS}`)
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
  const previousKeyIds = options.previousKeyIds ?? []
  if (!Array.isArray(previousKeyIds) || previousKeyIds.some((id) => typeof id !== 'string' || id === '')) {
    throw new EncryptionConfigError('previousKeyIds must be a list of KMS key ids')
  }
  const dataKeyAttribute = options.dataKeyAttribute ?? defaults.dataKeyAttribute
  const bindingTable = options.bindingTable ?? ((table: string) => table)
  const keyring = new Keyring({
    kms,
    keyId: options.keyId,
    previousKeyIds: [...previousKeyIds],
    maxMessagesPerKey: positiveInteger(
      options.maxMessagesPerKey ?? defaults.maxMessagesPerKey,
      'maxMessagesPerKey',
    ),
    maxKeyAgeMs: keyAge(options.maxKeyAgeMs ?? defaults.maxKeyAgeMs),
    maxCachedKeys: positiveInteger(options.maxCachedKeys ?? defaults.maxCachedKeys, 'maxCachedKeys'),
    now: options.now ?? Date.now,
  })
  const beaconKey = options.beacons?.key
  const encryptedBeaconKey = typeof beaconKey === 'string' ? Buffer.from(beaconKey, 'base64') : beaconKey
  if (encryptedBeaconKey?.length === 0) throw new EncryptionConfigError('The beacon key is empty')
  const beacons = new Map<string, { name: string; bits: number }>()
  for (const [attribute, spec] of Object.entries(options.beacons?.attributes ?? {})) {
    const { name = `${attribute}Beacon`, bits = defaults.beaconBits } = spec
    if (name === dataKeyAttribute)
      throw new EncryptionConfigError(`Beacon of ${attribute} would overwrite ${name}`)
    const sharing = [...beacons].find(([, other]) => other.name === name)
    if (sharing !== undefined)
      throw new EncryptionConfigError(`Beacons of ${sharing[0]} and ${attribute} share the name ${name}`)
    if (!Number.isInteger(bits) || bits < 8 || bits > 256 || bits % 8 !== 0) {
      throw new EncryptionConfigError(`Beacon of ${attribute}: bits must be a multiple of 8 from 8 to 256`)
    }
    beacons.set(attribute, { name, bits })
  }
  /** What the transformer stores beside the fields, and strips from items it reads. */
  const reserved = [dataKeyAttribute, ...[...beacons.values()].map(({ name }) => name)]

  /** The encrypted attributes the item holds, once the context is known to be sound. */
  const presentFields = (item: AttributeMap, context: ItemTransformContext): string[] => {
    for (const attribute of context.encryptedAttributes) {
      if (attribute in context.key) {
        throw new ValidationError(`${attribute} is encrypted and cannot be part of the primary key`)
      }
      if (reserved.includes(attribute)) {
        throw new ValidationError(`${attribute} is a name reserved by field encryption`)
      }
    }
    // Beacons are written only for encrypted fields: one configured for a field the model keeps in
    // clear would never be written, and lookups by it would find nothing, without a word.
    for (const attribute of beacons.keys()) {
      if (item[attribute] !== undefined && !context.encryptedAttributes.includes(attribute)) {
        throw new EncryptionConfigError(
          `A beacon is configured for ${attribute}, which ${context.model} does not mark encrypted`,
          { details: { model: context.model, attribute } },
        )
      }
    }
    return context.encryptedAttributes.filter((attribute) => item[attribute] !== undefined)
  }

  async function beaconOf(attribute: string, value: AttributeValue): Promise<Uint8Array> {
    const spec = beacons.get(attribute)
    if (spec === undefined) throw new EncryptionConfigError(`${attribute} has no beacon configured`)
    // Attributes get a beacon only when a beacon key is configured.
    const key = await keyring.decryptionKey(encryptedBeaconKey!)
    try {
      return beaconValue(key.plaintext, attribute, value, spec.bits)
    } finally {
      key.release()
    }
  }

  async function fieldEncryptionBeforeWrite(
    item: AttributeMap,
    context: FieldEncryptionContext,
  ): Promise<AttributeMap> {
    const present = presentFields(item, context)
    // A whole item always holds its own key; one that does not is an update's SET values.
    const partial = context.partial ?? !Object.keys(context.key).every((name) => item[name] !== undefined)
    // A whole item holding an attribute under a beacon's name: the beacon would overwrite it.
    if (!partial) {
      for (const [attribute, { name }] of beacons) {
        if (item[name] !== undefined) {
          throw new EncryptionConfigError(
            `The beacon of ${attribute} is named ${name}, an attribute ${context.model} writes`,
            { details: { model: context.model, attribute, beacon: name } },
          )
        }
      }
    }
    const out: AttributeMap = { ...item }
    if (!partial) delete out[dataKeyAttribute]
    if (present.length === 0) return out
    const table = bindingTable(context.table)
    const encodedKey = canonicalKey(context.key)
    // Encode first: a value that cannot be stored fails before KMS is asked for anything.
    const plaintexts = present.map((attribute) => encodeAttributeValue(item[attribute]!))
    let key: DataKey | undefined
    try {
      for (const attribute of present) {
        const beacon = beacons.get(attribute)
        if (beacon) out[beacon.name] = { B: await beaconOf(attribute, item[attribute]!) }
      }
      key = await keyring.encryptionKey(table, present.length)
      const header = fieldHeader(key, partial)
      present.forEach((attribute, index) => {
        const aad = fieldAad(header, table, encodedKey, attribute)
        out[attribute] = { B: sealField(key!.plaintext, header, aad, plaintexts[index]!) }
      })
      if (!partial) out[dataKeyAttribute] = { M: { [key.id.toString('hex')]: { B: key.encrypted } } }
      return out
    } finally {
      key?.release()
      for (const plaintext of plaintexts) plaintext.fill(0)
    }
  }

  /** The item with its fields opened, and the KMS key behind each field's data key. */
  async function openItem(
    item: AttributeMap,
    context: FieldEncryptionContext,
  ): Promise<{ item: AttributeMap; kmsKeys: string[] }> {
    const present = presentFields(item, context)
    const out: AttributeMap = { ...item }
    for (const name of reserved) delete out[name]
    if (present.length === 0) return { item: out, kmsKeys: [] }
    const table = bindingTable(context.table)
    const storedKeys = item[dataKeyAttribute]?.M ?? {}
    const fields = present.map((attribute) => {
      const stored = item[attribute]!.B
      if (stored === undefined) {
        throw new DecryptionError(`Field ${attribute} is not an encrypted value`, { details: { attribute } })
      }
      const field = parseField(stored)
      const encryptedKey = field.inline ? field.reference : storedKeys[field.reference.toString('hex')]?.B
      if (encryptedKey === undefined) {
        throw new DecryptionError(`The data key of field ${attribute} is missing from the item`, {
          details: { attribute },
        })
      }
      return { attribute, field, encryptedKey }
    })
    // Settled, not raced: every key that was pinned is released below, whichever failed.
    const settled = await Promise.allSettled(
      fields.map(({ encryptedKey }) => keyring.decryptionKey(encryptedKey, table)),
    )
    const keys = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
    try {
      const failure = settled.find((result) => result.status === 'rejected')
      if (failure) throw failure.reason
      const encodedKey = canonicalKey(context.key)
      fields.forEach(({ attribute, field }, index) => {
        const aad = fieldAad(field.header, table, encodedKey, attribute)
        const plaintext = openField(field, keys[index]!.plaintext, aad, attribute)
        try {
          out[attribute] = decodeAttributeValue(plaintext)
        } finally {
          plaintext.fill(0)
        }
      })
      return { item: out, kmsKeys: keys.map((key) => key.kmsKeyArn) }
    } finally {
      for (const key of keys) key.release()
    }
  }

  return {
    beforeWrite: fieldEncryptionBeforeWrite,
    afterRead: async (item, context) => (await openItem(item, context)).item,
    beaconOf,
    beacon: (attribute, value) => beaconOf(attribute, marshallValue(value, attribute)),
    // A removed field takes its beacon along: an equality hash of a value that is gone must not stay.
    derivedAttributes: (attribute) => {
      const beacon = beacons.get(attribute)
      return beacon === undefined ? [] : [beacon.name]
    },
    async reencryptItem(item, context) {
      const opened = await openItem(item, context)
      const sealed = await fieldEncryptionBeforeWrite(opened.item, { ...context, partial: false })
      // An encrypted field left out of encryptedAttributes is not re-sealed: the data key it names
      // stays in the item beside the new one, or it could never be opened again.
      const stillNamed = dataKeysNamedByOthers(item, context.encryptedAttributes, dataKeyAttribute)
      if (Object.keys(stillNamed).length > 0) {
        sealed[dataKeyAttribute] = { M: { ...stillNamed, ...sealed[dataKeyAttribute]?.M } }
      }
      const current = keyring.currentKmsKeyArn
      return { item: sealed, changed: opened.kmsKeys.some((kmsKey) => kmsKey !== current) }
    },
    storedAttributes: {
      dataKey: dataKeyAttribute,
      beacons: Object.fromEntries([...beacons].map(([attribute, { name }]) => [attribute, name])),
    },
    get cachedKeys() {
      return keyring.cachedKeys
    },
    wipeKeys: () => keyring.clear(),
    close: () => keyring.close(),
  }
}

/** The item's stored data keys that a field outside `resealed` names (by the id in its header). */
function dataKeysNamedByOthers(
  item: AttributeMap,
  resealed: readonly string[],
  dataKeyAttribute: string,
): Record<string, AttributeValue> {
  const stored = item[dataKeyAttribute]?.M ?? {}
  const named: Record<string, AttributeValue> = {}
  for (const [attribute, value] of Object.entries(item)) {
    if (value.B === undefined || resealed.includes(attribute)) continue
    let field: ReturnType<typeof parseField>
    try {
      field = parseField(value.B)
    } catch {
      continue // not an encrypted field (a beacon, any other binary)
    }
    const id = field.inline ? undefined : field.reference.toString('hex')
    if (id !== undefined && stored[id] !== undefined) named[id] = stored[id]
  }
  return named
}
