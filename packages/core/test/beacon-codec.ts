// A test double for @dynamorm/encryption (which core must not depend on): it "seals" encrypted string
// attributes as base64 and derives an equality beacon `<attr>Beacon`, recording every context it sees.
import { createHash } from 'node:crypto'
import type { AttributeMap, ItemTransformContext, ItemTransformer } from '../src/index.ts'

export const beaconOf = (plain: string) => createHash('sha256').update(plain).digest('hex').slice(0, 16)
export const sealedOf = (plain: string) => `b64:${Buffer.from(plain).toString('base64')}`

export interface BeaconCodec extends ItemTransformer {
  readonly writes: ItemTransformContext[]
}

/** `extra` adds attributes to every write (to test what core does with unexpected ones). */
export function beaconCodec(extra: (item: AttributeMap) => AttributeMap = () => ({})): BeaconCodec {
  const writes: ItemTransformContext[] = []
  return {
    writes,
    async beforeWrite(item, context) {
      writes.push(context)
      const out: AttributeMap = { ...item }
      for (const name of context.encryptedAttributes) {
        const plain = item[name]?.S
        if (plain === undefined) continue
        out[name] = { S: sealedOf(plain) }
        out[`${name}Beacon`] = { S: beaconOf(plain) }
      }
      return { ...out, ...extra(item) }
    },
    async afterRead(item, context) {
      const out: AttributeMap = { ...item }
      for (const name of context.encryptedAttributes) {
        const stored = item[name]?.S
        if (stored?.startsWith('b64:')) out[name] = { S: Buffer.from(stored.slice(4), 'base64').toString() }
        delete out[`${name}Beacon`]
      }
      return out
    },
    derivedAttributes: (attribute) => [`${attribute}Beacon`],
  }
}
