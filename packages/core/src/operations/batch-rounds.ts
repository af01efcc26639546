// What batch reads and writes share: each chunk sent, at most `concurrency` at once, and what DynamoDB
// leaves unprocessed (or refuses with throttling) sent again after a backoff, up to `maxAttempts` calls
// per chunk. Any other failure stops every chunk (mapBounded): nothing is sent after it is reported.
import { isDynamormError } from '../errors.ts'
import type { BatchTally } from './batch-progress.ts'
import { backoffDelay, mapBounded, type RetryOptions, sleep } from './retry.ts'

export interface BatchRounds<T> {
  /** Requests DynamoDB has not confirmed: never sent, left unprocessed, or in the call that failed. */
  unprocessed: T[]
  /** The failure that stopped the batch, if one did. */
  interruption?: { error: unknown }
}

/**
 * Runs the rounds. `send` makes one call with a chunk's pending requests and resolves with those
 * DynamoDB left unprocessed.
 */
export async function sendInRounds<T, P>(
  chunks: readonly T[][],
  options: RetryOptions,
  tally: BatchTally<P>,
  send: (pending: T[], chunk: number) => Promise<T[]>,
): Promise<BatchRounds<T>> {
  const maxAttempts = options.maxAttempts ?? 8
  // Each chunk's requests not confirmed yet: all of them until its first call answers.
  const pendingByChunk = [...chunks]
  try {
    await mapBounded(chunks, options.concurrency ?? 4, async (_, index, stop) => {
      for (let attempt = 0; pendingByChunk[index]!.length > 0 && attempt < maxAttempts; attempt++) {
        if (attempt > 0) await sleep(backoffDelay(attempt - 1, options), stop)
        // Another chunk failed: send nothing more, this chunk's retries included.
        if (stop.aborted) return
        let throttled = false
        try {
          pendingByChunk[index] = await send(pendingByChunk[index]!, index)
        } catch (error) {
          // A throttled call processed nothing: all of it is sent again like unprocessed requests.
          if (!isDynamormError(error, 'ThrottledError')) throw error
          throttled = true
        } finally {
          tally.called(attempt, throttled)
        }
      }
    })
  } catch (error) {
    return { unprocessed: pendingByChunk.flat(), interruption: { error } }
  }
  return { unprocessed: pendingByChunk.flat() }
}
