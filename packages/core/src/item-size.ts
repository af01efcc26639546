// Item size by DynamoDB's published rules, so an oversized item fails before it costs a round trip,
// and so a write's capacity can be estimated before sending.
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { ItemTooLargeError } from './errors.ts'
import { type AttributeMap, numberParts } from './marshall.ts'

/** DynamoDB's item size limit: 400 KB. */
export const MAX_ITEM_BYTES = 409_600
/** DynamoDB's limits on a key value (table or index), in UTF-8 bytes: a longer one fails the whole call. */
export const MAX_PARTITION_KEY_BYTES = 2048
export const MAX_SORT_KEY_BYTES = 1024

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8')

// A number takes a byte per pair of significant digits, paired from the decimal point as DynamoDB stores
// them (1.1 is 01.10: two pairs), plus one, plus one more for a negative under 20 pairs. The documented
// "1 byte per two significant digits" undercounts: DynamoDB Local refuses items by this exact count.
function numberBytes(text: string): number {
  const { negative, digits, point } = numberParts(text)
  const pairs = Math.ceil((digits.length + Math.abs(point % 2)) / 2)
  return pairs + 1 + (negative && pairs < 20 ? 1 : 0)
}

/** Bytes one attribute value takes (without its name). */
export function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S)
  if (value.N !== undefined) return numberBytes(value.N)
  if (value.B !== undefined) return value.B.byteLength
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1
  // Lists and maps: 3 bytes of overhead, plus 1 byte per element.
  if (value.L !== undefined) return value.L.reduce((sum, entry) => sum + valueSize(entry) + 1, 3)
  if (value.M !== undefined) return itemSize(value.M) + Object.keys(value.M).length + 3
  if (value.SS !== undefined) return value.SS.reduce((sum, entry) => sum + utf8(entry), 0)
  if (value.NS !== undefined) return value.NS.reduce((sum, entry) => sum + numberBytes(entry), 0)
  if (value.BS !== undefined) return value.BS.reduce((sum, entry) => sum + entry.byteLength, 0)
  return 0
}

/** Bytes a whole item (or a map's content) takes: the sum of its attribute names and values. */
export function itemSize(item: AttributeMap): number {
  let sum = 0
  for (const [name, value] of Object.entries(item)) sum += utf8(name) + valueSize(value)
  return sum
}

/** Throws ItemTooLargeError when the item is over 400 KB; returns its size otherwise. */
export function assertItemSize(item: AttributeMap): number {
  const size = itemSize(item)
  if (size > MAX_ITEM_BYTES) throw new ItemTooLargeError(size)
  return size
}

export interface CapacityEstimate {
  readCapacityUnits: number
  writeCapacityUnits: number
}

/**
 * Capacity one item costs, before sending: a write is 1 WCU per KB, a strongly consistent read 1 RCU
 * per 4 KB (half when eventually consistent); transactions cost double. Secondary indexes add more.
 */
export function estimateCapacity(
  sizeBytes: number,
  options: { consistent?: boolean; transactional?: boolean } = {},
): CapacityEstimate {
  const factor = options.transactional ? 2 : 1
  const reads = Math.max(1, Math.ceil(sizeBytes / 4096))
  return {
    readCapacityUnits: reads * factor * (options.consistent || options.transactional ? 1 : 0.5),
    writeCapacityUnits: Math.max(1, Math.ceil(sizeBytes / 1024)) * factor,
  }
}
