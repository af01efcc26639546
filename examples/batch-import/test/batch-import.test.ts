import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { PassThrough } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { type AttributeValue, GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb'
import { createDb, type Db, isDynamormError, marshallItem, unmarshallItem } from '@dynamorm/core'
import {
  createTestTable,
  type DynamoFaultProxy,
  localDynamoClient,
  startDynamoFaultProxy,
  type TestTable,
} from '@dynamorm/testing'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { formatReport } from '../src/import-report.ts'
import { samplePayments } from '../src/payment.ts'
import { type ImportProgress, type ImportReport, importPayments } from '../src/payment-import.ts'
import { paymentsTable } from '../src/payments-table.ts'
import { progressBar } from '../src/progress-bar.ts'
import { throttleBursts } from '../src/throttle-bursts.ts'

const endpoint = inject('dynamoEndpoint')
const admin = localDynamoClient(endpoint)
let table: TestTable
let proxy: DynamoFaultProxy
let db: Db

beforeAll(async () => {
  table = await createTestTable(admin, paymentsTable(`batch-import-${randomBytes(4).toString('hex')}`))
  proxy = await startDynamoFaultProxy(endpoint)
  // SDK retries off, as in `pnpm start`: core's backoff is under test.
  const client = localDynamoClient(proxy.endpoint, { maxAttempts: 1 })
  db = createDb({ client, tableName: (logical) => (logical === 'payments' ? table.name : logical) })
})
afterEach(() => proxy.faults.reset())
afterAll(async () => {
  await table.delete()
  await proxy.close()
})

/** Every item stored under a partner's partition, read consistently, page by page. */
async function partitionItems(partnerId: string): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = []
  let start: Record<string, AttributeValue> | undefined
  do {
    const page = await admin.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: `PARTNER#${partnerId}` } },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    )
    items.push(...(page.Items ?? []))
    start = page.LastEvaluatedKey
  } while (start)
  return items
}

async function countPartition(partnerId: string): Promise<number> {
  return (await partitionItems(partnerId)).length
}

/** Each stored payment's updatedAt, by sort key: a row written again would change it. */
async function storedTimestamps(partnerId: string): Promise<Map<string, string>> {
  return new Map((await partitionItems(partnerId)).map((item) => [item.sk?.S ?? '', item.updatedAt?.S ?? '']))
}

describe('importPayments', () => {
  it('writes every row through throttling bursts, retrying with backoff, and reports calls, capacity and cost', async () => {
    const progress: ImportProgress[] = []
    const weather = throttleBursts(proxy.faults, 2, 2)
    const report = await importPayments(db, samplePayments(600, 'storm'), {
      baseDelayMs: 1,
      onProgress: (step) => {
        progress.push(step)
        weather(step)
      },
    })
    expect(report).toMatchObject({ rows: 600, written: 600, rejected: [], unprocessed: 0 })
    // Bursts of 2 throttles at the start and after slices 2 and 4 (the one after slice 6 is never met);
    // each throttled call is retried once, so core's batchWrite counted 6 throttled calls and 6 retries.
    expect(report.throttled).toBe(6)
    expect(report.retries).toBe(6)
    expect(report.batchCalls).toBe(600 / 25 + 6)
    expect(report.writeCapacityUnits).toBe(600)
    expect(report.costUsd).toBeCloseTo((600 * 0.625) / 1_000_000, 12)
    // One step per BatchWriteItem call (from core's onProgress) and one at the end of each slice.
    expect(progress).toHaveLength(report.batchCalls + 6)
    const sliceEnds = progress.filter((step, i) => step.slices > (progress[i - 1]?.slices ?? 0))
    expect(sliceEnds.map((step) => step.done)).toEqual([100, 200, 300, 400, 500, 600])
    expect(sliceEnds.map((step) => [step.throttled, step.retries])).toEqual([
      [2, 2],
      [2, 2],
      [4, 4],
      [4, 4],
      [6, 6],
      [6, 6],
    ])
    // Within a slice the figures move call by call, never back.
    for (const [i, step] of progress.entries()) {
      const before = progress[i - 1] ?? { done: 0, written: 0, retries: 0, throttled: 0 }
      expect(step.done).toBeGreaterThanOrEqual(before.done)
      expect(step.written).toBeGreaterThanOrEqual(before.written)
      expect(step.retries).toBeGreaterThanOrEqual(before.retries)
      expect(step.throttled).toBeGreaterThanOrEqual(before.throttled)
      expect(step.done).toBe(step.written)
    }
    expect(progress.filter((step) => step.slices === 0 && step.throttled > 0).length).toBeGreaterThan(0)
    expect(progress.at(-1)).toEqual({
      done: 600,
      total: 600,
      written: 600,
      retries: 6,
      throttled: 6,
      slices: 6,
    })
    expect(await countPartition('storm')).toBe(600)
    const { Item } = await admin.send(
      new GetItemCommand({
        TableName: table.name,
        Key: marshallItem({ pk: 'PARTNER#storm', sk: 'PAYMENT#imp-00042' }),
      }),
    )
    expect(unmarshallItem(Item ?? {})).toMatchObject({
      id: 'imp-00042',
      amount: samplePayments(42, 'storm')[41]?.amount,
      paidAt: '2025-01-01T00:41:00.000Z',
      __entity: 'Payment',
    })
  })

  it('reports bad and duplicate rows by position and writes the rest', async () => {
    const rows = samplePayments(60, 'mixed')
    rows[3] = { ...rows[3], amount: -10 }
    rows[7] = { ...rows[7], currency: 'BTC' }
    rows[11] = { ...rows[11], id: 'has#hash' }
    rows[13] = { ...rows[13], paidAt: 'yesterday' }
    rows[17] = { ...rows[17], cardNumber: '4111111111111111' }
    rows[19] = { ...rows[19], id: rows[2]?.id }
    const { paidAt: _missing, ...withoutDate } = rows[23] as Record<string, unknown>
    rows[23] = withoutDate
    const report = await importPayments(db, rows, { sliceSize: 25 })
    expect(report.rejected.map((rejected) => rejected.row)).toEqual([4, 8, 12, 14, 18, 20, 24])
    expect(report.rejected[5]?.reason).toBe('duplicate of an earlier row')
    expect(report.rejected[4]?.reason).toMatch(/cardNumber is not an attribute/)
    // Rejection reasons name the attribute, never echo the value (a card number must not reach a log).
    expect(JSON.stringify(report.rejected)).not.toContain('4111111111111111')
    expect(report.written).toBe(53)
    expect(await countPartition('mixed')).toBe(53)
    expect(report.batchCalls).toBe(3)
  })

  it('reports a row whose key is over DynamoDB key size limits by position, and writes the rest', async () => {
    // DynamoDB refuses a whole BatchWriteItem call naming a partition key over 2048 bytes or a sort key over
    // 1024 (UTF-8): sent, such a row stopped the import after the slices before it had landed.
    const rows = samplePayments(60, 'longkey')
    rows[30] = { ...rows[30], id: '€'.repeat(340) } // sort key PAYMENT#€€€...: 348 characters, 1028 bytes
    rows[40] = { ...rows[40], partnerId: 'p'.repeat(2041) } // partition key PARTNER#ppp...: 2049 bytes
    rows[50] = { ...rows[50], id: 'x'.repeat(1016) } // sort key of exactly 1024 bytes: lands
    const report = await importPayments(db, rows, { sliceSize: 25 })
    expect(report.rejected.map((rejected) => rejected.row)).toEqual([31, 41])
    expect(report.rejected[0]?.reason).toMatch(/sk .*1024 bytes/)
    expect(report.rejected[1]?.reason).toMatch(/pk .*2048 bytes/)
    expect(JSON.stringify(report.rejected)).not.toMatch(/€€|ppp/)
    expect(report).toMatchObject({ rows: 60, written: 58, unprocessed: 0 })
    expect(await countPartition('longkey')).toBe(58)
  })

  it('counts rows still throttled after every attempt as unprocessed, without losing count of any', async () => {
    proxy.faults.set({ throttle: 1_000, operation: 'BatchWriteItem' })
    const progress: ImportProgress[] = []
    const report = await importPayments(db, samplePayments(80, 'outage'), {
      sliceSize: 50,
      maxAttempts: 2,
      baseDelayMs: 1,
      onProgress: (step) => progress.push(step),
    })
    expect(report).toMatchObject({ rows: 80, written: 0, unprocessed: 80, rejected: [] })
    // Figures of the given-up slices, from core's UnprocessedItemsError details: 4 chunks, 2 calls each.
    expect(report.batchCalls).toBe(4 * 2)
    expect(report.throttled).toBe(8)
    expect(report.retries).toBe(4)
    expect(report.writeCapacityUnits).toBe(0)
    // Given-up rows count as done, so the bar still ends at 100%.
    const sliceEnds = progress.filter((step, i) => step.slices > (progress[i - 1]?.slices ?? 0))
    expect(sliceEnds.map((step) => [step.done, step.written])).toEqual([
      [50, 0],
      [80, 0],
    ])
    expect(progress).toHaveLength(8 + 2)
    expect(progress.at(-1)).toEqual({ done: 80, total: 80, written: 0, retries: 4, throttled: 8, slices: 2 })
    expect(await countPartition('outage')).toBe(0)
  })

  it('writes some rows of a slice and counts only the rest as unprocessed', async () => {
    // Three chunks of 25, one at a time: the first two throttled on both attempts are given up on, the
    // third lands; core's UnprocessedItemsError details carry the 25 written and all 5 calls.
    proxy.faults.set({ throttle: 4, operation: 'BatchWriteItem' })
    const report = await importPayments(db, samplePayments(75, 'partial'), {
      concurrency: 1,
      maxAttempts: 2,
      baseDelayMs: 1,
    })
    expect(report).toMatchObject({
      rows: 75,
      written: 25,
      unprocessed: 50,
      batchCalls: 5,
      throttled: 4,
      retries: 2,
    })
    expect(await countPartition('partial')).toBe(25)
  })

  it('stops on a failure that is not throttling (a 500), with the typed error naming what did not land', async () => {
    proxy.faults.set({ serverError: 1, operation: 'BatchWriteItem' })
    const error = await importPayments(db, samplePayments(30, 'broken')).catch((e: unknown) => e)
    expect(isDynamormError(error, 'ImportInterruptedError')).toBe(true)
    expect((error as { status: number }).status).toBe(503)
    const interrupted = (error as Error).cause
    expect(isDynamormError(interrupted, 'BatchInterruptedError')).toBe(true)
    expect(isDynamormError((interrupted as Error).cause, 'ServiceUnavailableError')).toBe(true)
    // One chunk of the slice got the 500, the other landed: what landed and what it names add up.
    const { details, unprocessed } = interrupted as { details: { written: number }; unprocessed: unknown[] }
    expect(details.written + unprocessed.length).toBe(30)
    expect(await countPartition('broken')).toBe(details.written)
    const { report, remaining } = error as { report: ImportReport; remaining: unknown[] }
    expect([report.written, remaining.length]).toEqual([details.written, unprocessed.length])
    expect((error as Error).message).not.toContain('imp-')
  })

  it('stopped by a 500 in a later slice, says what landed and which rows remain, and resumes with those alone', async () => {
    // The first slice lands, then a 500 stops the second: core's error names that slice's writes only, so
    // the import must say how far it got, or a resume either skips the third slice or rewrites the first.
    const rows = samplePayments(250, 'resumed')
    rows[5] = { ...rows[5], amount: -1 }
    let broken = false
    const error = await importPayments(db, rows, {
      onProgress: ({ slices }) => {
        if (slices === 1 && !broken) {
          broken = true
          proxy.faults.set({ serverError: 1, operation: 'BatchWriteItem' })
        }
      },
    }).catch((e: unknown) => e)
    expect(isDynamormError(error, 'ImportInterruptedError')).toBe(true)
    expect((error as { status: number }).status).toBe(503)
    expect(isDynamormError((error as Error).cause, 'BatchInterruptedError')).toBe(true)
    const { report, remaining } = error as { report: ImportReport; remaining: Record<string, unknown>[] }
    expect(report.rejected.map((rejected) => rejected.row)).toEqual([6])
    expect(report.written).toBeGreaterThanOrEqual(100)
    expect(report.written + remaining.length).toBe(249)
    // The rows are there to resume with, not for a logger that serialises the error.
    expect(Object.keys(error as object)).not.toContain('remaining')
    expect(await countPartition('resumed')).toBe(report.written)
    const landed = await storedTimestamps('resumed')
    const resumed = await importPayments(db, remaining)
    expect(resumed).toMatchObject({ rows: remaining.length, written: remaining.length, rejected: [] })
    expect(await countPartition('resumed')).toBe(249)
    // No row confirmed by the first run was written again.
    const after = await storedTimestamps('resumed')
    for (const [key, updatedAt] of landed) expect(after.get(key), key).toBe(updatedAt)
  })

  it('rejects a slice size that is not a positive integer, and a progress callback that is not a function', async () => {
    for (const sliceSize of [0, -1, 2.5, Number.NaN]) {
      await expect(importPayments(db, samplePayments(1, 'none'), { sliceSize })).rejects.toThrow(RangeError)
    }
    await expect(
      importPayments(db, samplePayments(1, 'none'), { onProgress: 'bar' as never }),
    ).rejects.toThrow('onProgress must be a function')
    expect(await countPartition('none')).toBe(0)
  })

  it('goes on when the progress callback throws, within a slice and between slices', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {})
    try {
      let calls = 0
      const report = await importPayments(db, samplePayments(50, 'clumsy'), {
        sliceSize: 25,
        onProgress: () => {
          calls += 1
          throw new Error('terminal went away')
        },
      })
      expect(report).toMatchObject({ written: 50, unprocessed: 0, batchCalls: 2 })
      expect(calls).toBe(4)
      expect(logged).toHaveBeenCalledTimes(4)
      expect(await countPartition('clumsy')).toBe(50)
    } finally {
      logged.mockRestore()
    }
  })
})

function captured(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 60 })
  const chunks: string[] = []
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()))
  return { stream, text: () => chunks.join('') }
}

describe('progressBar', () => {
  const steps = (total: number, size: number) =>
    Array.from({ length: Math.ceil(total / size) }, (_, i) => ({
      done: Math.min(total, (i + 1) * size),
      total,
      written: Math.min(total, (i + 1) * size),
      retries: i,
      throttled: i,
      slices: i + 1,
    }))

  it('prints a plain line at each tenth when stderr is not a terminal', async () => {
    const { stream, text } = captured(false)
    const bar = progressBar(stream)
    for (const step of steps(1000, 25)) bar.update(step)
    bar.finish()
    await new Promise((resolve) => setImmediate(resolve))
    const lines = text().trim().split('\n')
    expect(lines).toHaveLength(11)
    expect(lines[0]).toBe('import 2% (25/1000) written 25 retries 0 throttled 0')
    expect(lines.at(-1)).toBe('import 100% (1000/1000) written 1000 retries 39 throttled 39')
    expect(text()).not.toContain('\r')
  })

  it('redraws one line in place on a terminal, cut to its width, and ends it on finish', async () => {
    const { stream, text } = captured(true)
    const bar = progressBar(stream, 'payments')
    for (const step of steps(200, 50)) bar.update(step)
    bar.finish()
    await new Promise((resolve) => setImmediate(resolve))
    const draws = text().split('\r').filter(Boolean)
    expect(draws).toHaveLength(4)
    expect(draws[0]).toMatch(/^payments \[#{8}-{22}\] {2}25% 50\/200/)
    expect(draws.every((draw) => draw.replace('\u001b[K', '').replace('\n', '').length <= 59)).toBe(true)
    expect(text().endsWith('\u001b[K\n')).toBe(true)
  })

  it('shows an empty import as done, and writes nothing on finish when nothing was drawn', async () => {
    const tty = captured(true)
    progressBar(tty.stream).finish()
    const plain = captured(false)
    progressBar(plain.stream).update({ done: 0, total: 0, written: 0, retries: 0, throttled: 0, slices: 0 })
    await new Promise((resolve) => setImmediate(resolve))
    expect(tty.text()).toBe('')
    expect(plain.text()).toBe('import 100% (0/0) written 0 retries 0 throttled 0\n')
  })
})

describe('formatReport', () => {
  const report: ImportReport = {
    rows: 5012,
    written: 5000,
    rejected: Array.from({ length: 12 }, (_, i) => ({
      row: i + 1,
      reason: 'amount must be a positive integer',
    })),
    unprocessed: 0,
    batchCalls: 230,
    throttled: 30,
    retries: 30,
    writeCapacityUnits: 5000,
    costUsd: 0.003125,
    elapsedMs: 5000,
  }

  it('lists the figures and the first ten rejected rows', () => {
    const lines = formatReport(report)
    expect(lines.slice(0, 8)).toEqual([
      'rows             5012',
      'written          5000',
      'rejected         12',
      'unprocessed      0',
      'batch calls      230 (30 throttled, 30 retries)',
      'write capacity   5000 WCU',
      'estimated cost   $0.003125 on demand (us-east-1)',
      'elapsed          5.0 s (1000 payments/s)',
    ])
    expect(lines[8]).toBe('  row 1: amount must be a positive integer')
    expect(lines.at(-1)).toBe('  ... and 2 more')
    expect(lines).toHaveLength(8 + 10 + 1)
    expect(formatReport({ ...report, rejected: [], elapsedMs: 0 })[7]).toBe(
      'elapsed          0.0 s (0 payments/s)',
    )
  })
})

describe('pnpm start', () => {
  it('imports through throttling with progress on stderr and the report on stdout, exit 0', async () => {
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ['--conditions=source', main, '400'],
      {
        timeout: 60_000,
      },
    )
    const lines = stdout.trim().split('\n')
    expect(lines.slice(0, 4)).toEqual([
      'rows             400',
      'written          400',
      'rejected         0',
      'unprocessed      0',
    ])
    expect(lines[4]).toMatch(/^batch calls {6}\d+ \((\d+) throttled, \1 retries\)$/)
    expect(Number(/\((\d+) throttled/.exec(lines[4] ?? '')?.[1])).toBeGreaterThan(0)
    expect(lines[5]).toBe('write capacity   400 WCU')
    // The bar's last figures (core's onProgress) are the report's (core's batchWrite results).
    const [, retries, throttled] = /\((\d+) throttled, (\d+) retries\)/.exec(lines[4] ?? '') ?? []
    expect(stderr.trim().split('\n').at(-1)).toBe(
      `import 100% (400/400) written 400 retries ${retries} throttled ${throttled}`,
    )
    expect(stderr.trim().split('\n').at(-1)).toMatch(
      /^import 100% \(400\/400\) written 400 retries (\d+) throttled \1$/,
    )
  }, 90_000)

  it('refuses a count that is not a positive integer', async () => {
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
    const error = await promisify(execFile)(process.execPath, ['--conditions=source', main, 'many']).catch(
      (e: unknown) => e as { code: number; stderr: string },
    )
    expect((error as { code: number }).code).toBe(1)
    expect((error as { stderr: string }).stderr).toContain('count must be a positive integer')
  })
})
