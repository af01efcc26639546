// httpErrorResponses(): the outermost middleware. Whatever failed, the caller gets a JSON body
// { error: { name, message } } with the error's status: no stack, no cause, no request data (Middy's
// body parser keeps the raw body, card number included, in its error's cause: it never gets out).
import { isDynamormError } from '@dynamorm/core'
import type { MiddlewareObj } from '@middy/core'
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda'

export interface HttpErrorResponsesOptions {
  /**
   * Receives one JSON line per failed request: the answer's name and status, and for a 500 what the
   * operator needs to find the fault (default: none). See `faultOf` for what it leaves out.
   */
  logger?: (line: string) => void
}

export const httpErrorResponsesDefaults = {
  logger: undefined as ((line: string) => void) | undefined,
}

/** The response for an error: status, name and a message safe to show. */
export interface ErrorAnswer {
  status: number
  name: string
  message: string
}

const PAYMENT_WRITE_LABEL = 'payment'

/** What an error says to the caller. Only statuses and texts written for callers pass through. */
export function errorAnswer(error: unknown): ErrorAnswer {
  if (isDynamormError(error)) {
    if (error.name === 'TransactionCancelledError' && changedUnderneath(error)) {
      return {
        status: 412,
        name: 'PaymentConflictError',
        message: 'The payment changed while this request ran; nothing was written. Retry the request.',
      }
    }
    // 500s are our own faults: their text is for the operator's log, not for the caller.
    if (error.status >= 500 && error.status !== 502 && error.status !== 503) {
      return { status: 500, name: 'InternalError', message: 'Internal error' }
    }
    return { status: error.status, name: error.name, message: error.message }
  }
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode
  if (typeof statusCode === 'number' && (statusCode === 415 || statusCode === 422)) {
    // Middy's JSON body parser: malformed JSON (422), wrong content type (415), forbidden keys.
    return { status: 400, name: 'MalformedBodyError', message: 'The body is not a valid JSON document' }
  }
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return { status: statusCode, name: 'HttpError', message: 'The request was refused' }
  }
  return { status: 500, name: 'InternalError', message: 'Internal error' }
}

const STACK_FRAMES = 8

/**
 * What the log line says about the fault behind a 500: the error's name, the message only of our typed
 * errors (written never to carry request data), and where it was thrown. Any other error's message may
 * quote data (a card number in a thrown string, Middy's parser error keeps the raw body in its cause), so
 * neither it nor the cause is logged: only the stack's frames.
 */
export function faultOf(error: unknown): Record<string, unknown> {
  const stack = (error as { stack?: unknown } | null)?.stack
  const at =
    typeof stack === 'string'
      ? stack
          .split('\n')
          .filter((line) => /^\s+at /.test(line))
          .slice(0, STACK_FRAMES)
          .map((line) => line.trim())
      : []
  const name = (error as { name?: unknown } | null)?.name
  return {
    name: typeof name === 'string' ? name : typeof error,
    ...(isDynamormError(error) ? { message: error.message } : {}),
    at,
  }
}

/** A commit cancelled because the payment's version condition failed: someone else wrote it first. */
function changedUnderneath(error: unknown): boolean {
  const reasons = (error as { reasons?: Array<{ code?: string; label?: string }> }).reasons ?? []
  return reasons.some(
    (reason) => reason.code === 'ConditionalCheckFailed' && reason.label === PAYMENT_WRITE_LABEL,
  )
}

export function errorResult(answer: ErrorAnswer): APIGatewayProxyStructuredResultV2 {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (answer.status === 429 || answer.status === 503) headers['retry-after'] = '1'
  return {
    statusCode: answer.status,
    headers,
    body: JSON.stringify({ error: { name: answer.name, message: answer.message } }),
  }
}

export function httpErrorResponses(
  options: HttpErrorResponsesOptions = {},
): MiddlewareObj<unknown, APIGatewayProxyStructuredResultV2> {
  const settings = { ...httpErrorResponsesDefaults, ...options }

  const httpErrorResponsesOnError = (request: {
    error: unknown
    response: APIGatewayProxyStructuredResultV2 | undefined
  }): void => {
    // An inner middleware already answered (idempotency's lease-lost result): keep its answer.
    if (request.response !== undefined) return
    const answer = errorAnswer(request.error)
    settings.logger?.(
      JSON.stringify({
        level: 'ERROR',
        error: answer.name,
        status: answer.status,
        // Our own fault: the caller was told only "Internal error", so the operator gets the rest.
        ...(answer.status === 500 ? { fault: faultOf(request.error) } : {}),
      }),
    )
    request.response = errorResult(answer)
  }

  return { onError: httpErrorResponsesOnError as never }
}

export { PAYMENT_WRITE_LABEL }
