// Exponential backoff with full jitter for unprocessed batch items: spreads retries of many Lambdas
// so they do not hit a throttled partition in lockstep.
import { ValidationError } from '../errors.ts'

export interface RetryOptions {
  /** Attempts per chunk, the first included (default 8). */
  maxAttempts?: number
  /** First backoff ceiling in ms (default 50); doubles per attempt. */
  baseDelayMs?: number
  /** Backoff ceiling in ms (default 5000). */
  maxDelayMs?: number
  /** Chunks in flight at once (default 4). */
  concurrency?: number
}

/**
 * Refuses options a batch cannot honour, before anything is sent: a NaN concurrency (an unset
 * environment variable through Number()) started no worker, and the batch resolved having done nothing.
 */
export function checkRetryOptions(options: RetryOptions): void {
  for (const name of ['concurrency', 'maxAttempts'] as const) {
    const value = options[name]
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 1)) {
      throw new ValidationError(`${name} must be a positive integer`, { details: { option: name } })
    }
  }
  for (const name of ['baseDelayMs', 'maxDelayMs'] as const) {
    const value = options[name]
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
      throw new ValidationError(`${name} must be a finite number of milliseconds, 0 or more`, {
        details: { option: name },
      })
    }
  }
}

/** Delay before retry `attempt` (0 for the first retry): random, below min(maxDelayMs, baseDelayMs * 2^attempt). */
export function backoffDelay(
  attempt: number,
  options: RetryOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.maxDelayMs ?? 5000, (options.baseDelayMs ?? 50) * 2 ** attempt)
  return Math.floor(random() * ceiling)
}

/** Resolves after `ms` milliseconds, or as soon as `signal` aborts. */
export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve()
    const wake = () => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', wake)
      resolve()
    }
    const timer = setTimeout(wake, ms)
    signal?.addEventListener('abort', wake, { once: true })
  })

/**
 * Runs `work` over `tasks` with at most `concurrency` in flight; results keep the tasks' order. Once a
 * task fails no other starts, `stop` tells those running to finish, and the first failure is raised
 * only when all have settled: nothing a task sends lands after the caller was told it failed.
 */
export async function mapBounded<T, R>(
  tasks: readonly T[],
  concurrency: number,
  work: (task: T, index: number, stop: AbortSignal) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(tasks.length)
  const stop = new AbortController()
  let failure: { error: unknown } | undefined
  let next = 0
  const worker = async () => {
    while (next < tasks.length && !stop.signal.aborted) {
      const index = next++
      try {
        results[index] = await work(tasks[index] as T, index, stop.signal)
      } catch (error) {
        failure ??= { error }
        stop.abort()
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, tasks.length)) }, worker))
  if (failure !== undefined) throw failure.error
  return results
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = []
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size))
  return chunks
}
