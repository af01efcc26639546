import { createDecipheriv, createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { readmeVectors, renderTestVectors, vectorInputs } from '../scripts/test-vectors.ts'

describe('README test vectors', () => {
  it('are exactly what the code produces today', () => {
    expect(readmeVectors()).toBe(renderTestVectors())
  })

  it('open with plain node:crypto following the documented layout', () => {
    const text = readmeVectors()
    const rows = (label: string) =>
      [...text.matchAll(new RegExp(`^${label}\\s+([0-9a-f]+)$`, 'gm'))].map((m) => m[1]!)
    const fields = rows('field')
    const aads = rows('AAD')
    const plaintexts = rows('plaintext')
    expect(fields).toHaveLength(4)
    fields.forEach((hex, index) => {
      const field = Buffer.from(hex, 'hex')
      expect(field[0]).toBe(0x01)
      const headerLength = field[1] === 0x01 ? 10 : 4 + field.readUInt16BE(2)
      const aad = Buffer.from(aads[index]!, 'hex')
      expect(aad.subarray(0, headerLength)).toEqual(field.subarray(0, headerLength))
      const iv = field.subarray(headerLength, headerLength + 12)
      expect(iv).toEqual(vectorInputs.iv)
      const decipher = createDecipheriv('aes-256-gcm', vectorInputs.dataKey, iv)
      decipher.setAAD(aad)
      decipher.setAuthTag(field.subarray(field.length - 16))
      const plaintext = Buffer.concat([
        decipher.update(field.subarray(headerLength + 12, field.length - 16)),
        decipher.final(),
      ])
      expect(plaintext.toString('hex')).toBe(plaintexts[index])
    })
    const name = Buffer.from('cardNumber')
    const length = Buffer.alloc(4)
    length.writeUInt32BE(name.length)
    const value = Buffer.concat([Buffer.from([0x01, 0, 0, 0, 16]), Buffer.from('4111111111111111')])
    const beacon = createHmac('sha256', vectorInputs.beaconKey)
      .update(length)
      .update(name)
      .update(value)
      .digest()
    expect(rows('beacon')).toEqual([beacon.subarray(0, 8).toString('hex')])
  })
})
