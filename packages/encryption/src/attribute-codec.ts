// A DynamoDB AttributeValue as bytes, so values of every type (not just strings) can be encrypted and
// so key values and beacon inputs have exactly one byte form. Layout: see README "Value encoding".
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { ValidationError } from '@dynamorm/core'
import { DecryptionError } from './errors.ts'

const TAG = {
  S: 0x01,
  N: 0x02,
  B: 0x03,
  BOOL: 0x04,
  NULL: 0x05,
  L: 0x06,
  M: 0x07,
  SS: 0x08,
  NS: 0x09,
  BS: 0x0a,
}
const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/

/**
 * One spelling per number ("12.30", "1.23e1" and "012.3" are all "123E-1"): DynamoDB normalises the
 * numbers it stores, so a key read back may not be spelled as it was written.
 */
export function canonicalNumber(text: string): string {
  const match = NUMBER.exec(text)
  const whole = match?.[2] ?? ''
  const fraction = match?.[3] ?? ''
  if (!match || (whole === '' && fraction === '')) throw new ValidationError('Not a DynamoDB number')
  let digits = (whole + fraction).replace(/^0+/, '')
  let exponent = Number(match[4] ?? 0) - fraction.length
  if (digits === '') return '0'
  const trimmed = digits.replace(/0+$/, '')
  exponent += digits.length - trimmed.length
  digits = trimmed
  return `${match[1] === '-' ? '-' : ''}${digits}E${exponent}`
}

class ByteWriter {
  readonly chunks: Uint8Array[] = []
  byte(value: number): void {
    this.chunks.push(Uint8Array.of(value))
  }
  count(value: number): void {
    const bytes = Buffer.allocUnsafe(4)
    bytes.writeUInt32BE(value)
    this.chunks.push(bytes)
  }
  /** u32 big-endian length, then the bytes. */
  bytes(value: Uint8Array): void {
    this.count(value.length)
    this.chunks.push(value)
  }
  text(value: string): void {
    this.bytes(Buffer.from(value, 'utf8'))
  }
  result(): Buffer {
    return Buffer.concat(this.chunks)
  }
}

const byBytes = (a: Uint8Array, b: Uint8Array): number => Buffer.compare(a, b)

function writeValue(out: ByteWriter, value: AttributeValue, canonical: boolean): void {
  if (value.S !== undefined) {
    out.byte(TAG.S)
    out.text(value.S)
  } else if (value.N !== undefined) {
    // Plaintext keeps the writer's spelling ("12.30" stays "12.30"); bindings use the canonical one.
    const normal = canonicalNumber(value.N)
    out.byte(TAG.N)
    out.text(canonical ? normal : value.N)
  } else if (value.B !== undefined) {
    out.byte(TAG.B)
    out.bytes(value.B)
  } else if (value.BOOL !== undefined) {
    out.byte(TAG.BOOL)
    out.byte(value.BOOL ? 1 : 0)
  } else if (value.NULL !== undefined) {
    out.byte(TAG.NULL)
  } else if (value.L !== undefined) {
    out.byte(TAG.L)
    out.count(value.L.length)
    for (const entry of value.L) writeValue(out, entry, canonical)
  } else if (value.M !== undefined) {
    out.byte(TAG.M)
    const entries = Object.entries(value.M).map(
      ([name, entry]) => [Buffer.from(name, 'utf8'), entry] as const,
    )
    entries.sort((a, b) => byBytes(a[0], b[0]))
    out.count(entries.length)
    for (const [name, entry] of entries) {
      out.bytes(name)
      writeValue(out, entry, canonical)
    }
  } else if (value.SS !== undefined) {
    writeSet(
      out,
      TAG.SS,
      value.SS.map((entry) => Buffer.from(entry, 'utf8')),
      canonical,
    )
  } else if (value.NS !== undefined) {
    const spelled = value.NS.map((entry) => {
      const normal = canonicalNumber(entry)
      return canonical ? normal : entry
    })
    writeSet(
      out,
      TAG.NS,
      spelled.map((entry) => Buffer.from(entry, 'utf8')),
      canonical,
    )
  } else if (value.BS !== undefined) {
    writeSet(out, TAG.BS, value.BS, canonical)
  } else {
    throw new ValidationError('Unknown DynamoDB attribute value type')
  }
}

// Sets have no order in DynamoDB; the canonical form sorts them so equal sets give equal bytes.
function writeSet(out: ByteWriter, tag: number, members: Uint8Array[], canonical: boolean): void {
  const ordered = canonical ? [...members].sort(byBytes) : members
  out.byte(tag)
  out.count(ordered.length)
  for (const member of ordered) out.bytes(member)
}

/** The value as bytes, spelled as written (what is encrypted). */
export function encodeAttributeValue(value: AttributeValue): Buffer {
  const out = new ByteWriter()
  writeValue(out, value, false)
  return out.result()
}

/** The value as bytes with numbers normalised and sets sorted (what AAD and beacons bind). */
export function canonicalAttributeValue(value: AttributeValue): Buffer {
  const out = new ByteWriter()
  writeValue(out, value, true)
  return out.result()
}

class ByteReader {
  offset = 0
  readonly source: Buffer
  constructor(source: Buffer) {
    this.source = source
  }
  need(length: number): void {
    if (this.offset + length > this.source.length) throw malformed()
  }
  byte(): number {
    this.need(1)
    return this.source[this.offset++]!
  }
  count(): number {
    this.need(4)
    const value = this.source.readUInt32BE(this.offset)
    this.offset += 4
    return value
  }
  bytes(): Uint8Array {
    const length = this.count()
    this.need(length)
    // A copy, so the caller's value does not alias the decrypted buffer (which is wiped after use).
    const value = new Uint8Array(this.source.subarray(this.offset, this.offset + length))
    this.offset += length
    return value
  }
  text(): string {
    const length = this.count()
    this.need(length)
    const value = this.source.toString('utf8', this.offset, this.offset + length)
    this.offset += length
    return value
  }
}

const malformed = () => new DecryptionError('Decrypted field is not a valid encoded attribute value')

function readValue(input: ByteReader, depth: number): AttributeValue {
  // DynamoDB nests documents at most 32 levels deep; anything deeper is not ours.
  if (depth > 64) throw malformed()
  const tag = input.byte()
  switch (tag) {
    case TAG.S:
      return { S: input.text() }
    case TAG.N:
      return { N: input.text() }
    case TAG.B:
      return { B: input.bytes() }
    case TAG.BOOL: {
      const flag = input.byte()
      if (flag > 1) throw malformed()
      return { BOOL: flag === 1 }
    }
    case TAG.NULL:
      return { NULL: true }
    case TAG.L: {
      const length = input.count()
      const list: AttributeValue[] = []
      for (let index = 0; index < length; index++) list.push(readValue(input, depth + 1))
      return { L: list }
    }
    case TAG.M: {
      const length = input.count()
      const map: Record<string, AttributeValue> = {}
      for (let index = 0; index < length; index++) {
        const name = input.text()
        map[name] = readValue(input, depth + 1)
      }
      return { M: map }
    }
    case TAG.SS:
    case TAG.NS:
    case TAG.BS: {
      const length = input.count()
      const members: Uint8Array[] = []
      for (let index = 0; index < length; index++) members.push(input.bytes())
      if (tag === TAG.BS) return { BS: members }
      const texts = members.map((member) => Buffer.from(member).toString('utf8'))
      return tag === TAG.SS ? { SS: texts } : { NS: texts }
    }
    default:
      throw malformed()
  }
}

/** Reads back what encodeAttributeValue wrote; DecryptionError on anything else. */
export function decodeAttributeValue(bytes: Buffer): AttributeValue {
  const input = new ByteReader(bytes)
  const value = readValue(input, 0)
  if (input.offset !== bytes.length) throw malformed()
  return value
}
