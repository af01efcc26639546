// Opening the connection during init moves the TCP/TLS handshake out of the first request. Any HTTP
// answer means the socket is open (even AccessDenied), so only network failures are worth a log line.
import { DescribeEndpointsCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb'

export interface WarmupLogger {
  warn(message: string): void
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
