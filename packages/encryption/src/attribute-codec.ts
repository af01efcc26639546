// A DynamoDB AttributeValue as bytes, so values of every type (not just strings) can be encrypted and
// so key values and beacon inputs have exactly one byte form. Layout: see README "Value encoding".
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { ValidationError } from '@dynamorm/core'
import { DecryptionError } from './errors.ts'

/** The types in tag order: a value's tag byte is its type's position here plus one. */
const TYPES = ['S', 'N', 'B', 'BOOL', 'NULL', 'L', 'M', 'SS', 'NS', 'BS'] as const
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
  const digits = (whole + fraction).replace(/^0+/, '')
  if (digits === '') return '0'
  const trimmed = digits.replace(/0+$/, '')
  const exponent = Number(match[4] ?? 0) - fraction.length + digits.length - trimmed.length
  return `${match[1] === '-' ? '-' : ''}${trimmed}E${exponent}`
}

/** u32 big-endian: every count and length in the formats. */
export function u32(value: number): Buffer {
  const bytes = Buffer.allocUnsafe(4)
  bytes.writeUInt32BE(value)
  return bytes
}

// A string, number or binary (alone or as a set member). Plaintext keeps a number's spelling ("12.30"
// stays "12.30"); bindings use the canonical one. Either way an invalid number is refused.
function scalarBytes(type: 'S' | 'N' | 'B', value: string | Uint8Array, canonical: boolean): Uint8Array {
  if (type === 'B') return value as Uint8Array
  const normal = type === 'N' ? canonicalNumber(value as string) : value
  return Buffer.from((canonical ? normal : value) as string, 'utf8')
}

function writeValue(out: Uint8Array[], value: AttributeValue, canonical: boolean): void {
  const type = TYPES.find((name) => value[name] !== undefined)
  if (type === undefined) throw new ValidationError('Unknown DynamoDB attribute value type')
  out.push(Uint8Array.of(TYPES.indexOf(type) + 1))
  if (type === 'BOOL') {
    out.push(Uint8Array.of(value.BOOL ? 1 : 0))
  } else if (type === 'L') {
    out.push(u32(value.L!.length))
    for (const entry of value.L!) writeValue(out, entry, canonical)
  } else if (type === 'M') {
    const entries = Object.entries(value.M!).map(
      ([name, entry]) => [Buffer.from(name, 'utf8'), entry] as const,
    )
    entries.sort((a, b) => Buffer.compare(a[0], b[0]))
    out.push(u32(entries.length))
    for (const [name, entry] of entries) {
      out.push(u32(name.length), name)
      writeValue(out, entry, canonical)
    }
  } else if (type === 'SS' || type === 'NS' || type === 'BS') {
    const members = (value[type] as (string | Uint8Array)[]).map((member) =>
      scalarBytes(type[0] as 'S' | 'N' | 'B', member, canonical),
    )
    // Sets have no order in DynamoDB; the canonical form sorts them so equal sets give equal bytes.
    if (canonical) members.sort(Buffer.compare)
    out.push(u32(members.length))
    for (const member of members) out.push(u32(member.length), member)
  } else if (type !== 'NULL') {
    const bytes = scalarBytes(type, value[type] as string | Uint8Array, canonical)
    out.push(u32(bytes.length), bytes)
  }
}

/** The value as bytes, spelled as written (what is encrypted). */
export function encodeAttributeValue(value: AttributeValue): Buffer {
  const out: Uint8Array[] = []
  writeValue(out, value, false)
  return Buffer.concat(out)
}

/** The value as bytes with numbers normalised and sets sorted (what AAD and beacons bind). */
export function canonicalAttributeValue(value: AttributeValue): Buffer {
  const out: Uint8Array[] = []
  writeValue(out, value, true)
  return Buffer.concat(out)
}

const malformed = () => new DecryptionError('Decrypted field is not a valid encoded attribute value')

/** Reads back what encodeAttributeValue wrote; DecryptionError on anything else. */
export function decodeAttributeValue(bytes: Buffer): AttributeValue {
  let offset = 0
  const take = (length: number): Buffer => {
    if (offset + length > bytes.length) throw malformed()
    return bytes.subarray(offset, (offset += length))
  }
  const chunk = () => take(take(4).readUInt32BE())
  const text = () => chunk().toString('utf8')
  // A copy, so the caller's value does not alias the decrypted buffer (which is wiped after use).
  const binary = () => new Uint8Array(chunk())
  const many = <T>(read: () => T): T[] => {
    const list: T[] = []
    for (let count = take(4).readUInt32BE(); count > 0; count--) list.push(read())
    return list
  }
  const readValue = (depth: number): AttributeValue => {
    const type = TYPES[take(1)[0]! - 1]
    // DynamoDB nests documents at most 32 levels deep; anything deeper is not ours.
    if (type === undefined || depth > 64) throw malformed()
    switch (type) {
      case 'S':
        return { S: text() }
      case 'N':
        return { N: text() }
      case 'B':
        return { B: binary() }
      case 'BOOL': {
        const flag = take(1)[0]!
        if (flag > 1) throw malformed()
        return { BOOL: flag === 1 }
      }
      case 'NULL':
        return { NULL: true }
      case 'L':
        return { L: many(() => readValue(depth + 1)) }
      case 'M':
        return { M: Object.fromEntries(many(() => [text(), readValue(depth + 1)])) }
      case 'SS':
        return { SS: many(text) }
      case 'NS':
        return { NS: many(text) }
      case 'BS':
        return { BS: many(binary) }
    }
  }
  const value = readValue(0)
  if (offset !== bytes.length) throw malformed()
  return value
}
