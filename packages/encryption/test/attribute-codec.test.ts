import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { isDynamormError } from '@dynamorm/core'
import { describe, expect, it } from 'vitest'
import {
  canonicalAttributeValue,
  canonicalNumber,
  decodeAttributeValue,
  encodeAttributeValue,
} from '../src/attribute-codec.ts'

const every: Record<string, AttributeValue> = {
  S: { S: 'päyment ✓' },
  emptyS: { S: '' },
  N: { N: '12.30' },
  B: { B: Uint8Array.of(0, 1, 2, 255) },
  BOOL: { BOOL: false },
  NULL: { NULL: true },
  L: { L: [{ S: 'a' }, { N: '1' }, { L: [] }] },
  M: { M: { z: { S: 'last' }, a: { M: { nested: { BOOL: true } } } } },
  SS: { SS: ['b', 'a'] },
  NS: { NS: ['2', '1.5'] },
  BS: { BS: [Uint8Array.of(2), Uint8Array.of(1)] },
}

describe('value encoding', () => {
  it.each(Object.entries(every))('round-trips %s exactly as written', (_name, value) => {
    const decoded = decodeAttributeValue(encodeAttributeValue(value))
    expect(decoded).toEqual(value)
  })

  it('keeps a number spelled as written, but binds its canonical form', () => {
    expect(decodeAttributeValue(encodeAttributeValue({ N: '12.30' }))).toEqual({ N: '12.30' })
    expect(canonicalAttributeValue({ N: '12.30' })).toEqual(canonicalAttributeValue({ N: '1.23e1' }))
    expect(canonicalAttributeValue({ N: '12.30' })).not.toEqual(canonicalAttributeValue({ N: '12.31' }))
  })

  it('gives equal sets and maps the same canonical bytes whatever their order', () => {
    expect(canonicalAttributeValue({ SS: ['a', 'b'] })).toEqual(canonicalAttributeValue({ SS: ['b', 'a'] }))
    expect(canonicalAttributeValue({ NS: ['1', '2.0'] })).toEqual(canonicalAttributeValue({ NS: ['2', '1'] }))
    expect(canonicalAttributeValue({ M: { a: { S: '1' }, b: { S: '2' } } })).toEqual(
      canonicalAttributeValue({ M: { b: { S: '2' }, a: { S: '1' } } }),
    )
    expect(canonicalAttributeValue({ S: '1' })).not.toEqual(canonicalAttributeValue({ N: '1' }))
  })

  it('normalises numbers to one spelling', () => {
    expect(canonicalNumber('12.30')).toBe('123E-1')
    expect(canonicalNumber('012.3')).toBe('123E-1')
    expect(canonicalNumber('1.23E1')).toBe('123E-1')
    expect(canonicalNumber('100')).toBe('1E2')
    expect(canonicalNumber('-0.00')).toBe('0')
    expect(canonicalNumber('+5')).toBe('5E0')
    expect(canonicalNumber('-.5')).toBe('-5E-1')
  })

  it.each(['', 'abc', '1.2.3', '.', 'e5', '1e', '0x10', ' 1'])('rejects %j as a number', (text) => {
    expect(() => canonicalNumber(text)).toThrow(expect.objectContaining({ name: 'ValidationError' }))
    expect(() => encodeAttributeValue({ N: text })).toThrow(
      expect.objectContaining({ name: 'ValidationError' }),
    )
  })

  it('rejects an attribute value of no known type', () => {
    const error = (() => {
      try {
        encodeAttributeValue({ X: 1 } as unknown as AttributeValue)
      } catch (caught) {
        return caught
      }
    })()
    expect(isDynamormError(error, 'ValidationError')).toBe(true)
  })

  it('refuses bytes it did not write', () => {
    const valid = encodeAttributeValue({ M: { a: { L: [{ BOOL: true }] } } })
    const cases = [
      Buffer.alloc(0),
      Buffer.from([0x7f]),
      valid.subarray(0, valid.length - 1),
      Buffer.concat([valid, Buffer.from([0])]),
      Buffer.from([0x04, 0x02]),
      Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff]),
    ]
    for (const bytes of cases) {
      expect(() => decodeAttributeValue(bytes)).toThrow(expect.objectContaining({ name: 'DecryptionError' }))
    }
    let deep = Buffer.from([0x05])
    for (let level = 0; level < 70; level++) deep = Buffer.concat([Buffer.from([0x06, 0, 0, 0, 1]), deep])
    expect(() => decodeAttributeValue(deep)).toThrow(expect.objectContaining({ name: 'DecryptionError' }))
  })

  it("keeps a map member named '__proto__' as an own field", () => {
    const value: AttributeValue = { M: JSON.parse('{"__proto__":{"S":"x"}}') }
    const decoded = decodeAttributeValue(encodeAttributeValue(value))
    expect(Object.hasOwn(decoded.M!, '__proto__')).toBe(true)
    expect(decoded).toEqual(value)
  })

  it('decodes binaries into copies that do not alias the decrypted buffer', () => {
    const bytes = encodeAttributeValue({ B: Uint8Array.of(9, 9) })
    const decoded = decodeAttributeValue(bytes)
    bytes.fill(0)
    expect(decoded).toEqual({ B: Uint8Array.of(9, 9) })
  })
})
