// The 400 KB limit as DynamoDB counts it: an item it would refuse is ItemTooLargeError before sending,
// and one it takes is sent.
import { describe, expect, it } from 'vitest'
import { createParams, isDynamormError, itemSize } from '../src/index.ts'
import { newPayment, Payment, paymentsTableForFile } from './fixtures.ts'

const env = paymentsTableForFile()

describe('item size', () => {
  it('counts numbers as DynamoDB does: digits paired from the point, one more for a negative', () => {
    // DynamoDB stores 1.1 as the pairs 01.10 and adds a byte to a negative of under 20 pairs.
    expect(itemSize({ n: { N: '1.1' } })).toBe(1 + 3)
    expect(itemSize({ n: { N: '-1' } })).toBe(1 + 3)
    expect(itemSize({ n: { N: '-0.00100' } })).toBe(1 + 3)
    expect(itemSize({ n: { N: '0' } })).toBe(1 + 1)
    expect(itemSize({ n: { N: '1e6' } })).toBe(1 + 2)
    expect(itemSize({ n: { N: '-1.2345678901234567890123456789012345678' } })).toBe(1 + 21)
    expect(itemSize({ n: { NS: ['1.5', '-2'] } })).toBe(1 + 3 + 3)
  })

  it('refuses before sending an item DynamoDB would find over 400 KB, and sends one at the limit', async () => {
    const payments = env.db.model(Payment)
    // 5000 amounts of -1.1, four bytes each to DynamoDB, so a count of two each misses 10 KB.
    const input = newPayment({ meta: { amounts: Array.from({ length: 5000 }, () => -1.1) }, notes: [''] })
    const filler = 409_600 - itemSize(createParams(Payment, input).Item ?? {})
    const calls = env.db.meter.calls
    const over = await payments.create({ ...input, notes: ['x'.repeat(filler + 1)] }).catch((e: unknown) => e)
    expect(isDynamormError(over, 'ItemTooLargeError'), String(over)).toBe(true)
    expect(env.db.meter.calls).toBe(calls)
    await payments.create({ ...input, notes: ['x'.repeat(filler)] })
    expect((await payments.get(input))?.notes?.[0]).toHaveLength(filler)
  })
})
