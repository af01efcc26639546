// A request waits for its partner's AssumeRole no longer than its DynamoDB calls may run (the Lambda's
// remaining time minus dynamoClient's deadlineMarginMs): then it stops waiting and answers a typed 503
// while Lambda still lets it. The AssumeRole itself runs on: it is shared by every request of the
// partner in this process, so one request's deadline neither fails the others nor the next request.
import { deadlineOf } from '@dynamorm/client'
import type { Db } from '@dynamorm/core'
import { partnerDeadlineError } from './partner-error.ts'

/** `pending`, or the partner's typed 503 once the deadline of the request `db` serves has come. */
export async function withinRequestDeadline<T>(pending: Promise<T>, db: Db, partnerId: string): Promise<T> {
  const deadline = deadlineOf(db)
  if (deadline === undefined) return pending
  const remainingMs = deadline()
  if (remainingMs <= 0) throw partnerDeadlineError(partnerId)
  let timer: NodeJS.Timeout | undefined
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(partnerDeadlineError(partnerId)), remainingMs)
  })
  try {
    return await Promise.race([pending, expired])
  } finally {
    clearTimeout(timer)
  }
}
