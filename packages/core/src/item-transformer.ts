// The seam through which field-level encryption (or any other codec) sees items on their way to and
// from DynamoDB, already marshalled, with what it needs to bind ciphertext to its row.
import type { AttributeMap } from './marshall.ts'

export interface ItemTransformContext {
  /** Physical table name. */
  table: string
  /** The model's name. */
  model: string
  /** The item's primary-key attributes, marshalled. */
  key: AttributeMap
  /** Attributes the model marks as encrypted. */
  encryptedAttributes: readonly string[]
  /**
   * True when the item holds only some attributes (an update's SET values, keyed by `key`); false or
   * absent for a whole item (create, put, batch write) and for reads. Every attribute `beforeWrite`
   * returns is written, so derived attributes (beacons, data-key references) stay in step.
   */
  partial?: boolean
}

export interface ItemTransformer {
  beforeWrite(item: AttributeMap, context: ItemTransformContext): Promise<AttributeMap>
  afterRead(item: AttributeMap, context: ItemTransformContext): Promise<AttributeMap>
  /**
   * The attributes `beforeWrite` derives from an encrypted attribute (its beacon): an update that removes
   * the attribute removes these too, so nothing derived from a removed value stays behind.
   */
  derivedAttributes?(attribute: string): readonly string[]
}
