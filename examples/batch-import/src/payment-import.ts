// Imports payments with core's batchWrite: rows are checked first (a bad row is reported, never sent),
// then written a slice at a time. batchWrite chunks each slice into BatchWriteItem calls of 25, keeps
// `concurrency` of them in flight and retries throttled calls and unprocessed items with jittered
// exponential backoff; a slice still unwritten after `maxAttempts` is counted, not lost silently.
import { type Db, estimateCost, isDynamormError, MAX_BATCH_WRITE_ITEMS, toStoredItem } from '@dynamorm/core'
import { batchCallCounts } from './batch-call-counter.ts'
import { Payment } from './payment.ts'

export interface ImportOptions {
  /** Rows per batchWrite call, i.e. per progress step (default 100: four chunks of 25). */
  sliceSize?: number
  /** BatchWriteItem calls in flight (default 4). */
  concurrency?: number
  /** Attempts per chunk, the first included (default 8). */
  maxAttempts?: number
  /** First backoff ceiling in ms, doubled per attempt (default 50). */
  baseDelayMs?: number
  /** Called after each slice. */
  onProgress?: (progress: ImportProgress) => void
}

export const importDefaults = { sliceSize: 100, concurrency: 4, maxAttempts: 8, baseDelayMs: 50 }

export interface ImportProgress {
  /** Valid rows handled so far (written or given up on). */
  done: number
  /** Valid rows in all. */
  total: number
  written: number
  retries: number
}

export interface RejectedRow {
  /** 1-based position in the input. */
  row: number
  reason: string
}

export interface ImportReport {
  rows: number
  written: number
  rejected: RejectedRow[]
  /** Valid rows still unwritten after every attempt. */
  unprocessed: number
  batchCalls: number
  throttled: number
  /** Calls beyond the first of each chunk. */
  retries: number
  writeCapacityUnits: number
  /** On-demand price of the consumed capacity (core's default us-east-1 price table). */
  costUsd: number
  elapsedMs: number
}

/** Rows that would be stored as given; the rest with the reason (first occurrence of a key wins). */
export function checkRows(rows: readonly Record<string, unknown>[]): {
  valid: Record<string, unknown>[]
  rejected: RejectedRow[]
} {
  const valid: Record<string, unknown>[] = []
  const rejected: RejectedRow[] = []
  const seen = new Set<string>()
  const now = new Date().toISOString()
  rows.forEach((row, index) => {
    try {
      const item = toStoredItem(Payment, row, { now })
      const key = `${item.pk?.S}\u0000${item.sk?.S}`
      // DynamoDB refuses a whole batch that names one key twice: the later row is reported instead.
      if (seen.has(key)) throw new Error('duplicate of an earlier row')
      seen.add(key)
      valid.push(row)
    } catch (error) {
      rejected.push({ row: index + 1, reason: (error as Error).message })
    }
  })
  return { valid, rejected }
}

export async function importPayments(
  db: Db,
  rows: readonly Record<string, unknown>[],
  options: ImportOptions = {},
): Promise<ImportReport> {
  const settings = { ...importDefaults, ...options }
  if (!Number.isSafeInteger(settings.sliceSize) || settings.sliceSize < 1)
    throw new RangeError('sliceSize must be a positive integer')
  const started = performance.now()
  const counts = batchCallCounts(db.client)
  const callsBefore = counts.calls
  const throttledBefore = counts.throttled
  // A Db of its own: same client and table names, a meter that holds only this import's capacity.
  const importDb = db.forRequest()
  const { valid, rejected } = checkRows(rows)
  const payments = importDb.model(Payment)
  let written = 0
  let unprocessed = 0
  let chunks = 0
  for (let start = 0; start < valid.length; start += settings.sliceSize) {
    const slice = valid.slice(start, start + settings.sliceSize)
    chunks += Math.ceil(slice.length / MAX_BATCH_WRITE_ITEMS)
    try {
      const result = await payments.batchWrite(
        { put: slice as never },
        {
          concurrency: settings.concurrency,
          maxAttempts: settings.maxAttempts,
          baseDelayMs: settings.baseDelayMs,
        },
      )
      written += result.written
    } catch (error) {
      if (!isDynamormError(error, 'UnprocessedItemsError')) throw error
      const left = (error as unknown as { unprocessed: unknown[] }).unprocessed.length
      unprocessed += left
      written += slice.length - left
    }
    settings.onProgress?.({
      done: start + slice.length,
      total: valid.length,
      written,
      retries: counts.calls - callsBefore - chunks,
    })
  }
  const consumed = importDb.meter.totals()
  const batchCalls = counts.calls - callsBefore
  return {
    rows: rows.length,
    written,
    rejected,
    unprocessed,
    batchCalls,
    throttled: counts.throttled - throttledBefore,
    retries: batchCalls - chunks,
    writeCapacityUnits: consumed.writeCapacityUnits,
    costUsd: estimateCost(consumed).total,
    elapsedMs: performance.now() - started,
  }
}
