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
}

export interface ItemTransformer {
  beforeWrite(item: AttributeMap, context: ItemTransformContext): Promise<AttributeMap>
  afterRead(item: AttributeMap, context: ItemTransformContext): Promise<AttributeMap>
}
