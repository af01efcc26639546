// The one place @dynamorm/client makes its errors: typed DynamormErrors with a stable name and an HTTP
// status, carrying figures (milliseconds) but never request data or credentials.
import { DynamormError } from '@dynamorm/core'

/**
 * Too little of the Lambda's time is left to start (or finish) a DynamoDB call. 503: the caller may
 * retry; a commit refused this way sent nothing, and one cut short is safe to retry with the same
 * ClientRequestToken.
 */
export function deadlineExceededError(
  remainingMs: number,
  neededMs: number,
  what: string,
  cause?: unknown,
): DynamormError {
  return new DynamormError(
    'DeadlineExceededError',
    503,
    `${what}: ${Math.max(0, Math.floor(remainingMs))} ms left before the Lambda deadline, ${neededMs} ms needed`,
    { cause, details: { remainingMs: Math.max(0, Math.floor(remainingMs)), neededMs } },
  )
}
