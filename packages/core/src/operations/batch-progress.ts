// Counts a batch's calls as they happen, for its onProgress callback, its result and its
// UnprocessedItemsError. A failing callback is logged: a progress bar must not stop a payment import.
import { ValidationError } from '../errors.ts'

/** A batch's calls so far: `retries` are calls re-sending unprocessed or throttled items. */
export interface BatchCalls {
  calls: number
  retries: number
  /** Calls DynamoDB refused with throttling (after the SDK's own retries inside each call). */
  throttled: number
}

export class BatchTally<P> {
  readonly stats: BatchCalls = { calls: 0, retries: 0, throttled: 0 }
  readonly #report: ((progress: P) => void) | undefined
  readonly #progress: () => P

  constructor(onProgress: unknown, progress: (stats: BatchCalls) => P) {
    if (onProgress !== undefined && typeof onProgress !== 'function') {
      throw new ValidationError('onProgress must be a function')
    }
    this.#report = onProgress as ((progress: P) => void) | undefined
    this.#progress = () => progress(this.stats)
  }

  /** One call done: `attempt` is its place in its chunk's attempts (0 first). */
  called(attempt: number, throttled: boolean): void {
    this.stats.calls += 1
    if (attempt > 0) this.stats.retries += 1
    if (throttled) this.stats.throttled += 1
    if (this.#report === undefined) return
    try {
      this.#report(this.#progress())
    } catch (error) {
      console.error('dynamorm: a batch onProgress callback failed', error)
    }
  }
}
