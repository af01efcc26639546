// Imports payments with core's batchWrite: rows are checked first (a bad row is reported, never sent),
// then written a slice at a time. batchWrite chunks each slice into BatchWriteItem calls of 25, keeps
// `concurrency` of them in flight, retries throttled calls and unprocessed items with jittered
// exponential backoff, and reports what it took (calls, retries, throttled) in its result, its progress
// callback and, for a slice still unwritten after `maxAttempts`, its UnprocessedItemsError: such a
// slice is counted, not lost silently. Any other failure stops the import with ImportInterruptedError,
// naming every row not confirmed written, so a resume sends those alone.
import type { WriteRequest } from '@aws-sdk/client-dynamodb'
import {
  type AttributeMap,
  type BatchCalls,
  type BatchInterruptedError,
  type BatchWriteProgress,
  type Db,
  estimateCost,
  isDynamormError,
  MAX_PARTITION_KEY_BYTES,
  MAX_SORT_KEY_BYTES,
  toStoredItem,
  type UnprocessedItemsError,
} from '@dynamorm/core'
import { ImportInterruptedError } from './import-interrupted-error.ts'
import { Payment } from './payment.ts'

export interface ImportOptions {
  /** Rows per batchWrite call (default 100: four BatchWriteItem calls of 25). */
  sliceSize?: number
  /** BatchWriteItem calls in flight (default 4). */
  concurrency?: number
  /** Attempts per chunk, the first included (default 8). */
  maxAttempts?: number
  /** First backoff ceiling in ms, doubled per attempt (default 50). */
  baseDelayMs?: number
  /** Called after every BatchWriteItem call and once more at the end of every slice. */
  onProgress?: (progress: ImportProgress) => void
}

export const importDefaults = { sliceSize: 100, concurrency: 4, maxAttempts: 8, baseDelayMs: 50 }

export interface ImportProgress {
  /** Valid rows handled so far (written or given up on). */
  done: number
  /** Valid rows in all. */
  total: number
  written: number
  /** BatchWriteItem calls so far that re-sent throttled or unprocessed rows. */
  retries: number
  /** BatchWriteItem calls so far that DynamoDB throttled. */
  throttled: number
  /** Slices finished so far (the step the import takes between two batchWrite calls). */
  slices: number
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
  /** BatchWriteItem calls, retries included. */
  batchCalls: number
  /** Of those, answered with throttling. */
  throttled: number
  /** Calls that re-sent throttled or unprocessed rows. */
  retries: number
  writeCapacityUnits: number
  /** On-demand price of the consumed capacity (core's default us-east-1 price table). */
  costUsd: number
  elapsedMs: number
}

// DynamoDB's key size limits in UTF-8 bytes: a BatchWriteItem call naming a longer key is refused whole.
const KEY_BYTE_LIMITS = [
  ['pk', MAX_PARTITION_KEY_BYTES],
  ['sk', MAX_SORT_KEY_BYTES],
] as const

const storedKey = (item: AttributeMap | undefined) => `${item?.pk?.S}\u0000${item?.sk?.S}`

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
      for (const [attribute, limit] of KEY_BYTE_LIMITS) {
        if (Buffer.byteLength(item[attribute]?.S ?? '') > limit)
          throw new Error(`${attribute} is over DynamoDB's limit of ${limit} bytes`)
      }
      const key = storedKey(item)
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

/** The rows of a slice among the writes core did not confirm (matched by key). */
function unconfirmedRows(
  slice: readonly Record<string, unknown>[],
  unprocessed: readonly WriteRequest[],
): Record<string, unknown>[] {
  const keys = new Set(unprocessed.map((write) => storedKey(write.PutRequest?.Item)))
  const now = new Date().toISOString()
  return slice.filter((row) => keys.has(storedKey(toStoredItem(Payment, row, { now }))))
}

/** What a slice that batchWrite gave up on or was stopped in still did: its error's details. */
function givenUpSlice(
  error: UnprocessedItemsError | BatchInterruptedError,
): BatchCalls & { written: number; unprocessed: number } {
  const figure = (name: string) => {
    const value = error.details[name]
    return typeof value === 'number' ? value : 0
  }
  return {
    written: figure('written'),
    unprocessed: error.unprocessed.length,
    calls: figure('calls'),
    retries: figure('retries'),
    throttled: figure('throttled'),
  }
}

export async function importPayments(
  db: Db,
  rows: readonly Record<string, unknown>[],
  options: ImportOptions = {},
): Promise<ImportReport> {
  const settings = { ...importDefaults, ...options }
  if (!Number.isSafeInteger(settings.sliceSize) || settings.sliceSize < 1)
    throw new RangeError('sliceSize must be a positive integer')
  if (settings.onProgress !== undefined && typeof settings.onProgress !== 'function')
    throw new TypeError('onProgress must be a function')
  const started = performance.now()
  // A Db of its own: same client and table names, a meter that holds only this import's capacity.
  const importDb = db.forRequest()
  const { valid, rejected } = checkRows(rows)
  const payments = importDb.model(Payment)
  // Figures of the slices finished so far; a running slice's own come from batchWrite.
  const sum = { written: 0, unprocessed: 0, calls: 0, retries: 0, throttled: 0 }
  // Rows of finished slices left unwritten: a resume after an interruption imports them too.
  const notWritten: Record<string, unknown>[] = []
  let slices = 0
  const report = (done: number, slice: Pick<BatchWriteProgress, 'written' | 'retries' | 'throttled'>) =>
    settings.onProgress?.({
      done,
      total: valid.length,
      written: sum.written + slice.written,
      retries: sum.retries + slice.retries,
      throttled: sum.throttled + slice.throttled,
      slices,
    })
  // Between slices as within them (where batchWrite does the same): a failing progress callback is
  // logged and never stops the import.
  const reportSliceEnd = (done: number) => {
    try {
      report(done, { written: 0, retries: 0, throttled: 0 })
    } catch (error) {
      console.error('batch-import: the onProgress callback failed', error)
    }
  }
  const importReport = (): ImportReport => {
    const consumed = importDb.meter.totals()
    return {
      rows: rows.length,
      written: sum.written,
      rejected,
      unprocessed: sum.unprocessed,
      batchCalls: sum.calls,
      throttled: sum.throttled,
      retries: sum.retries,
      writeCapacityUnits: consumed.writeCapacityUnits,
      costUsd: estimateCost(consumed).total,
      elapsedMs: performance.now() - started,
    }
  }
  for (let start = 0; start < valid.length; start += settings.sliceSize) {
    const slice = valid.slice(start, start + settings.sliceSize)
    let outcome: BatchCalls & { written: number; unprocessed: number }
    let interruption: BatchInterruptedError | undefined
    try {
      const result = await payments.batchWrite(
        { put: slice as never },
        {
          concurrency: settings.concurrency,
          maxAttempts: settings.maxAttempts,
          baseDelayMs: settings.baseDelayMs,
          // After every call: the bar moves within a slice, retries and throttles as they happen.
          onProgress: (progress) => report(start + progress.written, progress),
        },
      )
      outcome = { ...result, unprocessed: 0 }
    } catch (error) {
      if (isDynamormError(error, 'BatchInterruptedError')) interruption = error as BatchInterruptedError
      else if (!isDynamormError(error, 'UnprocessedItemsError')) throw error
      const stopped = error as UnprocessedItemsError | BatchInterruptedError
      outcome = givenUpSlice(stopped)
      notWritten.push(...unconfirmedRows(slice, stopped.unprocessed as WriteRequest[]))
    }
    sum.written += outcome.written
    sum.unprocessed += outcome.unprocessed
    sum.calls += outcome.calls
    sum.retries += outcome.retries
    sum.throttled += outcome.throttled
    if (interruption !== undefined) {
      const remaining = [...notWritten, ...valid.slice(start + settings.sliceSize)]
      throw new ImportInterruptedError(importReport(), remaining, interruption)
    }
    slices += 1
    reportSliceEnd(start + slice.length)
  }
  return importReport()
}
