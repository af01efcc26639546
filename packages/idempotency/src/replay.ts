// Replaying a stored response exactly as the handler returned it, marked so the caller can tell.
import type { HttpResult } from './http-event.ts'

export const REPLAYED_HEADER = 'Idempotent-Replayed'

const isHttpResult = (value: unknown): value is HttpResult =>
  typeof value === 'object' && value !== null && typeof (value as HttpResult).statusCode === 'number'

/**
 * The response to replay. HTTP results get `Idempotent-Replayed: true`; a result without a statusCode
 * (an HTTP API handler returning a bare value) is replayed in the form API Gateway gives it (200, JSON
 * body) so the header can ride along. Non-HTTP responses, and undefined, come back as stored.
 */
export function replayResponse(stored: unknown, http: boolean): unknown {
  if (!http || stored === undefined) return stored
  if (isHttpResult(stored)) return { ...stored, headers: { ...stored.headers, [REPLAYED_HEADER]: 'true' } }
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json', [REPLAYED_HEADER]: 'true' },
    body: JSON.stringify(stored),
  }
}

/**
 * The status an outcome answered with: a result's statusCode, else `bareStatus`, what API Gateway makes of
 * a bare value (see bareResultStatus; undefined for non-HTTP events).
 */
export function responseStatus(response: unknown, bareStatus: number | undefined): number | undefined {
  return isHttpResult(response) ? response.statusCode : bareStatus
}
