// A transaction DynamoDB cancelled only because another one held one of its items at that moment
// wrote nothing; sent again with the same ClientRequestToken it cannot land twice, because DynamoDB
// answers a token it already applied (within 10 minutes) with success instead of applying it again.
import { isDynamormError, ValidationError } from './errors.ts'
import { backoffDelay, sleep } from './operations/retry.ts'

/** Opt-in retry of transactions cancelled by a TransactionConflict (another transaction on an item). */
export interface ConflictRetryOptions {
  /**
   * Times a transaction cancelled only by `TransactionConflict` is sent again, with the same
   * ClientRequestToken (default 0: off; at most 10). Needs a ClientRequestToken.
   */
  conflictRetries?: number
  /** Backoff ceiling before the first retry in ms (default 50), doubled per retry up to 1000; full jitter. */
  baseDelayMs?: number
}

export const MAX_CONFLICT_RETRIES = 10
const MAX_CONFLICT_DELAY_MS = 1000
const DEFAULT_BASE_DELAY_MS = 50

export interface ConflictRetryPlan {
  retries: number
  baseDelayMs: number
  maxDelayMs: number
}

/** Checks the options before anything is sent; retries without a token are refused (see the README). */
export function conflictRetryPlan(options: ConflictRetryOptions, hasToken: boolean): ConflictRetryPlan {
  if (typeof options !== 'object' || options === null) {
    throw new ValidationError('Transaction options must be an object')
  }
  const { conflictRetries = 0, baseDelayMs = DEFAULT_BASE_DELAY_MS } = options
  if (!Number.isInteger(conflictRetries) || conflictRetries < 0 || conflictRetries > MAX_CONFLICT_RETRIES) {
    throw new ValidationError(`conflictRetries must be an integer from 0 to ${MAX_CONFLICT_RETRIES}`)
  }
  if (typeof baseDelayMs !== 'number' || !(baseDelayMs >= 0 && baseDelayMs <= MAX_CONFLICT_DELAY_MS)) {
    throw new ValidationError(`baseDelayMs must be a number from 0 to ${MAX_CONFLICT_DELAY_MS}`)
  }
  // Without a token, a retry after an attempt that landed unseen (the SDK re-sent it after a lost
  // answer, and that copy met the first one) would apply the writes a second time.
  if (conflictRetries > 0 && !hasToken) {
    throw new ValidationError('conflictRetries needs a clientRequestToken, so a retry can never apply twice')
  }
  return { retries: conflictRetries, baseDelayMs, maxDelayMs: MAX_CONFLICT_DELAY_MS }
}

/** True for a TransactionCancelledError whose every reason is `None` or `TransactionConflict`. */
export function isConflictOnly(error: unknown): boolean {
  if (!isDynamormError(error, 'TransactionCancelledError')) return false
  const codes = (error as unknown as { reasons: Array<{ code: string }> }).reasons.map(
    (reason) => reason.code,
  )
  return (
    codes.includes('TransactionConflict') &&
    codes.every((code) => code === 'None' || code === 'TransactionConflict')
  )
}

/**
 * Runs `attempt` (one TransactWriteItems with a fixed token) and repeats it after a jittered backoff
 * while it fails with a conflict only and retries are left. The last error is thrown as it came, with
 * `details.attempts` when retries were on.
 */
export async function withConflictRetries<T>(
  plan: ConflictRetryPlan,
  attempt: () => Promise<T>,
  random: () => number = Math.random,
): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt()
    } catch (error) {
      if (retry < plan.retries && isConflictOnly(error)) {
        await sleep(backoffDelay(retry, plan, random))
        continue
      }
      if (plan.retries > 0 && isDynamormError(error)) error.details.attempts = retry + 1
      throw error
    }
  }
}
