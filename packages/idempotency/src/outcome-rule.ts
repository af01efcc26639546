// Which outcomes become the record's stored response. A stored answer is replayed to every retry
// for the record's lifetime, so only final answers are kept; an answer that tells the caller to try
// again (or that API Gateway could not deliver) releases the lock instead.
import { responseStatus } from './replay.ts'

/** Statuses that ask the caller to retry: timeout, conflict, too early, throttled. */
const RETRY_STATUSES = new Set([408, 409, 425, 429])

/**
 * The default `storeResponse`: results without a status (non-HTTP handlers, bare values an HTTP API
 * answers as 200) and HTTP 2xx, 3xx and 4xx are stored, except 408, 409, 425 and 429. Released: those
 * four, 5xx, 1xx (not a final answer), anything that is not a status code and bare values of REST API
 * events (API Gateway answers those with 502).
 */
export function storesOutcome(response: unknown, bareStatus: number | undefined): boolean {
  const status = responseStatus(response, bareStatus)
  if (status === undefined) return true
  return Number.isInteger(status) && status >= 200 && status < 500 && !RETRY_STATUSES.has(status)
}
