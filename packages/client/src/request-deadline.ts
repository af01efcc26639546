// Every DynamoDB call of a request ends before the Lambda deadline minus a margin, retries included:
// a call Lambda kills half-way leaves the caller unsure whether it landed, so it is cut short (and
// reported as a typed 503) while there is still time to answer.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { type Db, ValidationError } from '@dynamorm/core'
import { deadlineExceededError } from './client-error.ts'

/** Milliseconds a request may still spend on DynamoDB (the Lambda's remaining time minus the margin). */
export type RequestDeadline = () => number

const deadlines = new WeakMap<object, RequestDeadline>()

// The longest delay a timer holds: past it Node fires the timer after 1 ms, so a clock reporting days
// would cut every call (and partner's wait for credentials) short at once.
const MAX_TIMER_MS = 2 ** 31 - 1

/**
 * The request deadline of a Lambda context, or undefined outside Lambda (no getRemainingTimeInMillis,
 * or one that does not return a finite number). A clock that gave a finite number at first and later
 * gives none (NaN, Infinity, not a number) reads as no time left.
 */
export function requestDeadline(context: unknown, marginMs: number): RequestDeadline | undefined {
  const remaining = (context as { getRemainingTimeInMillis?: () => number } | undefined)
    ?.getRemainingTimeInMillis
  // A clock that gives no number (a hand-made context) is no deadline, as outside Lambda; whole
  // milliseconds, as DeadlineExceededError reports what is left.
  if (typeof remaining !== 'function' || !Number.isFinite(remaining.call(context))) return undefined
  return () => {
    const remainingMs: unknown = remaining.call(context)
    // The time left is then unknown: no call starts on it, rather than a NaN timer (fired after 1 ms)
    // cutting it short once sent, which leaves a write's outcome unknown.
    if (!Number.isFinite(remainingMs)) return 0
    return Math.min(MAX_TIMER_MS, Math.floor((remainingMs as number) - marginMs))
  }
}

type Send = (command: unknown, options?: unknown, callback?: unknown) => Promise<unknown>

/**
 * The abort signal handed to the SDK: its own `{ aborted, onabort }` shape, which its HTTP handlers
 * accept beside the platform AbortSignal. Given an AbortSignal, the SDK adds and removes an EventTarget
 * listener on every attempt, ~30 µs per call; a plain object costs it a property write.
 */
interface CallSignal {
  aborted: boolean
  reason?: unknown
  onabort: (() => void) | null
}

function abortCall(signal: CallSignal, reason: unknown): void {
  if (signal.aborted) return
  signal.aborted = true
  signal.reason = reason
  signal.onabort?.()
}

/**
 * A view of `client` whose `send` is aborted at the request's deadline, or when the caller's own signal
 * fires (`db.send(command, { abortSignal })`), whichever comes first: the attempt in flight is cut and
 * no retry starts. It shares the client's configuration, middleware stack and sockets: making one
 * costs an object, not a client.
 */
export function deadlineBoundClient(client: DynamoDBClient, deadline: RequestDeadline): DynamoDBClient {
  const send = client.send.bind(client) as Send
  const bound = Object.create(client) as DynamoDBClient & { send: Send }
  bound.send = async (command: unknown, options?: unknown, callback?: unknown) => {
    // The SDK's callback forms, send(command, callback) and send(command, options, callback), go as given.
    if (typeof options === 'function' || typeof callback === 'function')
      return send(command, options, callback)
    const callerSignal = (options as { abortSignal?: unknown } | undefined)?.abortSignal
    // Any other kind of signal would be dropped for the deadline's, and its abort never heard.
    if (callerSignal !== undefined && !(callerSignal instanceof AbortSignal)) {
      throw new ValidationError('send: abortSignal must be an AbortSignal')
    }
    const remainingMs = deadline()
    if (remainingMs <= 0) throw deadlineExceededError(remainingMs, 1, 'DynamoDB call not started')
    const signal: CallSignal = { aborted: false, onabort: null }
    let cutAtDeadline = false
    // Cleared when the call settles, so a finished call leaves no timer behind.
    const timer = setTimeout(() => {
      cutAtDeadline = !signal.aborted
      abortCall(signal, new Error('Lambda deadline'))
    }, remainingMs)
    const onCallerAbort = () => abortCall(signal, callerSignal?.reason)
    if (callerSignal?.aborted) onCallerAbort()
    else callerSignal?.addEventListener('abort', onCallerAbort, { once: true })
    try {
      return await send(command, { ...(options as object | undefined), abortSignal: signal })
    } catch (error) {
      // Only the deadline is ours to report; the caller's own abort stays the SDK's error (core maps it).
      if (cutAtDeadline) throw deadlineExceededError(deadline(), 1, 'DynamoDB call cut short', error)
      throw error
    } finally {
      clearTimeout(timer)
      callerSignal?.removeEventListener('abort', onCallerAbort)
    }
  }
  deadlines.set(bound, deadline)
  return bound
}

/**
 * `client` bounded by the same deadline as the request `db` serves (a Db from `dynamoClient`, or one
 * scoped from it); `client` itself when that request has no deadline. For middlewares that bring their
 * own client (a partner's account) into a request.
 */
export function boundToRequest(client: DynamoDBClient, db: Db): DynamoDBClient {
  const deadline = deadlineOf(db)
  return deadline === undefined ? client : deadlineBoundClient(client, deadline)
}

/**
 * The deadline of the request `db` serves (a Db from `dynamoClient`, or one scoped from it): milliseconds
 * its DynamoDB calls may still run. Undefined when the request has none (outside Lambda). For middlewares
 * that wait on something else within the request (a partner's AssumeRole).
 */
export function deadlineOf(db: Db): RequestDeadline | undefined {
  return deadlines.get(db.client)
}
