// A request waits for its partner's AssumeRole no longer than its DynamoDB calls may run (the Lambda's
// remaining time minus dynamoClient's deadlineMarginMs): then it stops waiting and answers a typed 503
// while Lambda still lets it. The AssumeRole itself runs on: it is shared by every request of the
// partner in this process, so one request's deadline neither fails the others nor the next request.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { boundToRequest } from '@dynamorm/client'
import { type Db, isDynamormError } from '@dynamorm/core'
import { partnerDeadlineError } from './partner-error.ts'

/** The SDK's abort signal (`@smithy/types` AbortSignal), which a deadline-bound `send` is given. */
interface CallSignal {
  readonly aborted: boolean
  onabort: ((...args: never[]) => unknown) | null
}

interface Wait<T> {
  send(command?: unknown, options?: { abortSignal?: CallSignal }): Promise<T>
}

/** `pending`, or the partner's typed 503 once the deadline of the request `db` serves has come. */
export async function withinRequestDeadline<T>(pending: Promise<T>, db: Db, partnerId: string): Promise<T> {
  // boundToRequest aborts a client's send at the request's deadline: the wait, given the shape of a
  // client, is cut by the very deadline the request's DynamoDB calls have, rather than a copy of it.
  const wait: Wait<T> = {
    send: (_command, options) =>
      new Promise<T>((resolve, reject) => {
        const signal = options?.abortSignal
        if (signal !== undefined) signal.onabort = () => reject(new Error('Lambda deadline'))
        pending.then(resolve, reject)
      }),
  }
  const bounded = boundToRequest(wait as unknown as DynamoDBClient, db) as unknown as Wait<T>
  try {
    return await bounded.send()
  } catch (error) {
    if (isDynamormError(error, 'DeadlineExceededError')) throw partnerDeadlineError(partnerId)
    throw error
  }
}
