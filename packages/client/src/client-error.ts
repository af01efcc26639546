// The one place @dynamorm/client makes its errors: typed DynamormErrors with a stable name and an HTTP
// status, carrying figures (milliseconds) but never request data or credentials.
import { DynamormError, isDynamormError } from '@dynamorm/core'

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

/**
 * A failed commit that may have landed: the cause's name and status (error handlers branch on
 * them, kept), its message and details plus `details.outcome: 'unknown'` and the writes sent, so no caller
 * takes it for "nothing happened" and retries under a new request id (a new ClientRequestToken).
 */
export function commitOutcomeUnknownError(writes: number, cause: DynamormError): DynamormError {
  return new DynamormError(
    cause.name,
    cause.status,
    `${cause.message}. The unit of work was sent and no answer came back: its ${writes} writes may have landed; retry with the same idempotency key, or read before acting`,
    { cause, details: { ...cause.details, outcome: 'unknown', writes } },
  )
}

/**
 * Whether a failed commit may have landed: DynamoDB unreachable or failing once it was sent (the SDK's
 * attempts spent), or the deadline cutting it short (a DeadlineExceededError with a cause; one refused
 * before sending has none). A cancellation, a refusal or throttling is DynamoDB's answer that nothing
 * was written.
 */
export function leftCommitUnknown(error: unknown): error is DynamormError {
  if (isDynamormError(error, 'ServiceUnavailableError')) return true
  return isDynamormError(error, 'DeadlineExceededError') && error.cause !== undefined
}
