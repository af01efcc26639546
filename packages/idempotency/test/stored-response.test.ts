import { randomBytes } from 'node:crypto'
import { isDynamormError } from '@dynamorm/core'
import { describe, expect, it } from 'vitest'
import { decodeResponse, encodeResponse } from '../src/stored-response.ts'

const limits = { compressAboveBytes: 4096, maxResponseBytes: 350 * 1024 }

function storingError(response: unknown, custom = limits): unknown {
  try {
    encodeResponse(response, custom)
  } catch (error) {
    return error
  }
  return undefined
}

describe('stored responses', () => {
  it('stores undefined as nothing and replays it as undefined', () => {
    const stored = encodeResponse(undefined, limits)
    expect(stored).toEqual({ encoding: 'none' })
    expect(decodeResponse('none', undefined)).toBeUndefined()
  })

  it('stores small responses as JSON, exactly', () => {
    const response = { statusCode: 201, headers: { 'x-a': '1' }, body: '{"id":"p1"}', isBase64Encoded: false }
    const stored = encodeResponse(response, limits)
    expect(stored).toEqual({ encoding: 'json', value: JSON.stringify(response) })
    if (stored.encoding !== 'json') throw new Error('unreachable')
    expect(decodeResponse(stored.encoding, stored.value)).toEqual(response)
    expect(decodeResponse('json', JSON.stringify(null))).toBeNull()
  })

  it('compresses large responses with brotli and restores them exactly', () => {
    const body = JSON.stringify({
      rows: Array.from({ length: 2000 }, (_, index) => ({ index, status: 'SETTLED' })),
    })
    const response = { statusCode: 200, body }
    const stored = encodeResponse(response, limits)
    expect(stored.encoding).toBe('br')
    if (stored.encoding !== 'br') throw new Error('unreachable')
    expect(stored.value.byteLength).toBeLessThan(body.length / 5)
    expect(decodeResponse('br', stored.value)).toEqual(response)
  })

  it('refuses a response that is still too large compressed, naming the sizes', () => {
    const body = randomBytes(400 * 1024).toString('base64')
    const error = storingError({ statusCode: 200, body })
    expect(isDynamormError(error, 'IdempotencyResponseNotStorableError')).toBe(true)
    expect((error as { status: number }).status).toBe(500)
    expect((error as { details: { maxBytes: number } }).details.maxBytes).toBe(350 * 1024)
    expect((error as Error).message).not.toContain(body.slice(0, 32))
  })

  it('compresses a response over maxResponseBytes even when it is below the compression threshold', () => {
    const stored = encodeResponse(
      { body: 'a'.repeat(2000) },
      { compressAboveBytes: 4096, maxResponseBytes: 1000 },
    )
    expect(stored.encoding).toBe('br')
  })

  it.each([
    ['a bigint', { amount: 1n }],
    [
      'a cycle',
      (() => {
        const cyclic: Record<string, unknown> = {}
        cyclic.self = cyclic
        return cyclic
      })(),
    ],
    ['a function', () => 1],
    ['a symbol', Symbol('x')],
  ])('refuses %s: it could not be replayed', (_label, response) => {
    expect(isDynamormError(storingError(response), 'IdempotencyResponseNotStorableError')).toBe(true)
  })

  it('refuses to decode what it did not write', () => {
    for (const [encoding, value] of [
      ['gzip', 'x'],
      [undefined, 'x'],
      ['json', new Uint8Array(1)],
      ['br', 'x'],
    ] as const) {
      expect(() => decodeResponse(encoding, value)).toThrow(/cannot be read/)
    }
  })
})
