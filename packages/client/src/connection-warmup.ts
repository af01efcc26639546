// Opening the connection during init moves the TCP/TLS handshake, and the SDK's first-call setup
// (credentials, endpoint, signer: milliseconds of CPU before the first byte is sent), out of the first
// request. That only pays when init runs ahead of traffic. Lambda's Node runtime asks for the first
// event once init's pending work has run, so on an on-demand cold start, where the event is already
// waiting, a warm-up adds its setup to the Init Duration and its round trip to the first request.
// Any HTTP answer means the socket is open (even AccessDenied), so only network failures are logged.
import { DescribeEndpointsCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { ValidationError } from '@dynamorm/core'

export interface WarmupLogger {
  warn(message: string): void
}

/**
 * `true`: always warm up; `false`: never; `'provisioned-concurrency'`: only in an execution environment
 * Lambda initialised for provisioned concurrency (`AWS_LAMBDA_INITIALIZATION_TYPE`), whose init runs
 * before any request is routed to it.
 */
export type WarmupPolicy = boolean | 'provisioned-concurrency'

/** Whether this container warms its connection up at init, under `policy`. */
export function warmsUp(policy: WarmupPolicy, env: NodeJS.ProcessEnv = process.env): boolean {
  if (policy === 'provisioned-concurrency') return env.AWS_LAMBDA_INITIALIZATION_TYPE === policy
  if (typeof policy === 'boolean') return policy
  throw new ValidationError("dynamoClient(): warmup must be true, false or 'provisioned-concurrency'")
}

/** Sends one cheap call (DescribeEndpoints: no table, no capacity). Never rejects. */
export async function warmUpConnection(client: DynamoDBClient, logger: WarmupLogger): Promise<void> {
  try {
    await client.send(new DescribeEndpointsCommand({}))
  } catch (error) {
    const failure = error as { name?: string; $metadata?: { httpStatusCode?: number } }
    if (failure.$metadata?.httpStatusCode !== undefined) return
    // Name only: messages of credential-provider errors can quote configuration.
    logger.warn(
      `@dynamorm/client: connection warm-up failed (${failure.name ?? 'Error'}); the first request will open the connection`,
    )
  }
}
