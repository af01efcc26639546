// One DynamoDB client per container: keep-alive sockets so requests after the first skip the TCP/TLS
// handshake, and timeouts short enough that a stuck connection fails within the Lambda's budget.
// The request handler is given as options, not built here: the SDK then makes its NodeHttpHandler and
// agents itself, and this module imports neither node:http nor node:https (an ESM import of node:http
// evaluates its lazy exports, undici's WebSocket among them: tens of ms of init).
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb'
import { definedOptions } from '@dynamorm/core'

export interface WarmDynamoClientOptions {
  /** Any other DynamoDBClient settings (region, endpoint, credentials, ...); the options below win. */
  clientConfig?: DynamoDBClientConfig
  /** Attempts per call, first one included (default 3). */
  maxAttempts?: number
  /** The SDK's retry strategy (default 'standard': exponential backoff with jitter). */
  retryMode?: 'standard' | 'adaptive'
  /** Milliseconds to open a connection before the attempt fails (default 1000). */
  connectionTimeoutMs?: number
  /** Milliseconds one attempt may take, response included, before it fails and is retried (default 3000). */
  requestTimeoutMs?: number
  /** Sockets kept per host (default 50). */
  maxSockets?: number
}

export const warmDynamoClientDefaults = {
  maxAttempts: 3,
  retryMode: 'standard',
  connectionTimeoutMs: 1000,
  requestTimeoutMs: 3000,
  maxSockets: 50,
} as const satisfies WarmDynamoClientOptions

/** A DynamoDB client with keep-alive sockets, connection and request timeouts, and bounded retries. */
export function createWarmDynamoClient(options: WarmDynamoClientOptions = {}): DynamoDBClient {
  const settings = { ...warmDynamoClientDefaults, ...definedOptions(options) }
  const agentOptions = { keepAlive: true, keepAliveMsecs: 1000, maxSockets: settings.maxSockets }
  return new DynamoDBClient({
    ...settings.clientConfig,
    maxAttempts: settings.maxAttempts,
    retryMode: settings.retryMode,
    requestHandler: {
      httpAgent: agentOptions,
      httpsAgent: agentOptions,
      connectionTimeout: settings.connectionTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      // Without this the handler only logs a warning when requestTimeout passes and keeps waiting.
      throwOnRequestTimeout: true,
    },
  })
}
