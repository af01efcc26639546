// SQS message attributes in the shape Lambda delivers them, and the MD5 digest SQS computes over
// them (its documented encoding), so a consumer that verifies md5OfMessageAttributes sees a real one.
import { createHash } from 'node:crypto'
import type { SQSMessageAttribute } from 'aws-lambda'

/**
 * A message attribute: a string (`String`), a number (`Number`), bytes (`Binary`), or a custom
 * type such as `{ dataType: 'Number.cents', value: 4200 }` (the type's prefix picks the transport).
 */
export type SqsMessageAttributeValue =
  | string
  | number
  | Uint8Array
  | { dataType: string; value: string | number | Uint8Array }

export function sqsMessageAttribute(name: string, value: SqsMessageAttributeValue): SQSMessageAttribute {
  const { dataType, raw } =
    typeof value === 'string'
      ? { dataType: 'String', raw: value }
      : typeof value === 'number'
        ? { dataType: 'Number', raw: value }
        : value instanceof Uint8Array
          ? { dataType: 'Binary', raw: value }
          : { dataType: value.dataType, raw: value.value }
  if (!/^(String|Number|Binary)(\..+)?$/.test(dataType)) {
    throw new TypeError(
      `SQS message attribute ${name}: data type ${dataType} is not String, Number or Binary`,
    )
  }
  const binary = dataType.startsWith('Binary')
  if (binary !== raw instanceof Uint8Array) {
    throw new TypeError(
      `SQS message attribute ${name}: a ${dataType} attribute takes ${binary ? 'bytes (Uint8Array)' : 'a string or number'}`,
    )
  }
  if (typeof raw === 'number' && !Number.isFinite(raw)) {
    throw new TypeError(`SQS message attribute ${name}: ${raw} is not a number SQS can carry`)
  }
  return {
    dataType,
    ...(raw instanceof Uint8Array
      ? { binaryValue: Buffer.from(raw).toString('base64') }
      : { stringValue: String(raw) }),
    // Lambda always delivers these two, empty (SQS reserves list values for future use).
    stringListValues: [],
    binaryListValues: [],
  }
}

/** MD5 over the attributes sorted by name: length-prefixed name, type, transport byte and value. */
export function md5OfMessageAttributes(attributes: Record<string, SQSMessageAttribute>): string {
  const hash = createHash('md5')
  const lengthPrefixed = (bytes: Buffer) => {
    const length = Buffer.alloc(4)
    length.writeUInt32BE(bytes.byteLength)
    hash.update(length).update(bytes)
  }
  for (const name of Object.keys(attributes).sort()) {
    const attribute = attributes[name] as SQSMessageAttribute
    lengthPrefixed(Buffer.from(name, 'utf8'))
    lengthPrefixed(Buffer.from(attribute.dataType, 'utf8'))
    if (attribute.binaryValue !== undefined) {
      hash.update(Buffer.of(2))
      lengthPrefixed(Buffer.from(attribute.binaryValue, 'base64'))
    } else {
      hash.update(Buffer.of(1))
      lengthPrefixed(Buffer.from(attribute.stringValue ?? '', 'utf8'))
    }
  }
  return hash.digest('hex')
}
