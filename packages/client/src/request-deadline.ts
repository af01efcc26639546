// Every DynamoDB call of a request ends before the Lambda deadline minus a margin, retries included:
// a call Lambda kills half-way leaves the caller unsure whether it landed, so it is cut short (and
// reported as a typed 503) while there is still time to answer.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { Db } from '@dynamorm/core'
import { deadlineExceededError } from './client-error.ts'

/** Milliseconds a request may still spend on DynamoDB (the Lambda's remaining time minus the margin). */
export type RequestDeadline = () => number

const deadlines = new WeakMap<object, RequestDeadline>()

/**
 * The request deadline of a Lambda context, or undefined outside Lambda (no getRemainingTimeInMillis,
 * or one that does not return a finite number).
 */
export function requestDeadline(context: unknown, marginMs: number): RequestDeadline | undefined {
  const remaining = (context as { getRemainingTimeInMillis?: () => number } | undefined)
    ?.getRemainingTimeInMillis
  // A clock that gives no number (a hand-made context) is no deadline, as outside Lambda; fractions are
  // dropped because AbortSignal.timeout takes whole milliseconds (and throws a RangeError otherwise).
  if (typeof remaining !== 'function' || !Number.isFinite(remaining.call(context))) return undefined
  return () => Math.floor(remaining.call(context) - marginMs)
}

type Send = (command: unknown, options?: unknown) => Promise<unknown>

/**
 * A view of `client` whose `send` carries an abort signal for the request's deadline, combined with
 * the caller's own signal when there is one (`db.send(command, { abortSignal })`): whichever fires
 * first aborts the call. It shares the client's configuration, middleware stack and sockets: making
 * one costs an object, not a client.
 */
export function deadlineBoundClient(client: DynamoDBClient, deadline: RequestDeadline): DynamoDBClient {
  const send = client.send.bind(client) as Send
  const bound = Object.create(client) as DynamoDBClient & { send: Send }
  // One timer per request, not per call: the deadline is a point in time, so the signal armed at the
  // first call fires when any later call's would have (each AbortSignal.timeout is a timer left pending).
  let deadlineSignal: AbortSignal | undefined
  bound.send = async (command: unknown, options?: unknown) => {
    if (typeof options === 'function') return send(command, options)
    const remainingMs = deadline()
    if (remainingMs <= 0) throw deadlineExceededError(remainingMs, 1, 'DynamoDB call not started')
    deadlineSignal ??= AbortSignal.timeout(remainingMs)
    const callerSignal = (options as { abortSignal?: unknown } | undefined)?.abortSignal
    const abortSignal =
      callerSignal instanceof AbortSignal ? AbortSignal.any([callerSignal, deadlineSignal]) : deadlineSignal
    try {
      return await send(command, { ...(options as object | undefined), abortSignal })
    } catch (error) {
      // Only the deadline is ours to report; the caller's own abort stays the SDK's error (core maps it).
      if (deadlineSignal?.aborted && !(callerSignal instanceof AbortSignal && callerSignal.aborted)) {
        throw deadlineExceededError(deadline(), 1, 'DynamoDB call cut short', error)
      }
      throw error
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
  const deadline = deadlines.get(db.client)
  return deadline === undefined ? client : deadlineBoundClient(client, deadline)
}
