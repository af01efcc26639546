import { randomUUID } from 'node:crypto'
import type { Context } from 'aws-lambda'

export interface LambdaContextOptions {
  /** Function timeout; getRemainingTimeInMillis() counts down from it in real time (default 30000). */
  timeoutMs?: number
  /** Default a random UUID. */
  awsRequestId?: string
  /** Default 'test-function'. */
  functionName?: string
  /** Default '1024'. */
  memoryLimitInMB?: string
}

const accountId = '123456789012'

/** A Lambda Context with a real deadline, as the runtime hands it to a handler. */
export function lambdaContext(options: LambdaContextOptions = {}): Context {
  const functionName = options.functionName ?? 'test-function'
  const deadline = Date.now() + (options.timeoutMs ?? 30_000)
  const unsupported = (name: string) => () => {
    throw new Error(`context.${name}() is a legacy callback API; return or throw from the handler instead`)
  }
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${accountId}:function:${functionName}`,
    memoryLimitInMB: options.memoryLimitInMB ?? '1024',
    awsRequestId: options.awsRequestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `2026/01/01/[$LATEST]${randomUUID().replaceAll('-', '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: unsupported('done'),
    fail: unsupported('fail'),
    succeed: unsupported('succeed'),
  }
}
