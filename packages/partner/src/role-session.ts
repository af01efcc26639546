// One AssumeRole into a partner's account, with our own retries: the STS client is made with
// maxAttempts 1, so the attempts counted here are the calls STS sees.
import { backoffDelay, sleep } from '@dynamorm/core'
import { partnerCredentialsError } from './partner-error.ts'
import type { CheckedEntry } from './partner-registry.ts'
import type { StsApi } from './sts-client.ts'

/** Temporary credentials of a partner's role. */
export interface RoleSession {
  accessKeyId: string
  secretAccessKey: string
  sessionToken: string
  expiration: Date
}

export interface StsRetry {
  /** Calls at most, the first included. */
  attempts: number
  /** Backoff before retry n is a random delay up to min(maxDelayMs, baseDelayMs * 2^(n-1)) ("full jitter"). */
  baseDelayMs: number
  maxDelayMs: number
  /** Clock in epoch ms, to refuse credentials that arrive already expired. */
  now: () => number
}

// STS answers that another attempt could change, beside any 5xx and any request that got no answer
// (both retried by status below); anything else (AccessDenied, a bad ExternalId, a malformed request)
// is a refusal, and retrying it would only burn the Lambda's time.
const RETRYABLE = new Set([
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'IDPCommunicationError',
  'RequestTimeout',
])

// RoleSessionName: 2-64 of [\w+=,.@-]. It shows in the partner's CloudTrail, so it names the
// platform, the partner and the request that caused the call. Both may hold other characters (a
// custom idPattern), which STS would refuse, so they are dropped.
const NOT_IN_SESSION_NAME = /[^\w+=,.@-]/g

export function roleSessionName(partnerId: string, requestId: string | undefined): string {
  const request = (requestId ?? 'refresh').replace(NOT_IN_SESSION_NAME, '').slice(0, 8) || 'refresh'
  const partner = partnerId.replace(NOT_IN_SESSION_NAME, '')
  return `dynamorm-${partner.slice(0, 64 - 'dynamorm-'.length - 1 - request.length)}-${request}`
}

export async function assumePartnerRole(
  stsApi: () => Promise<StsApi>,
  partnerId: string,
  entry: CheckedEntry,
  requestId: string | undefined,
  retry: StsRetry,
): Promise<RoleSession> {
  // Outside the retry loop: a module that cannot load is a configuration error, not an STS outage.
  const { sts, client } = await stsApi()
  const command = new sts.AssumeRoleCommand({
    RoleArn: entry.roleArn,
    RoleSessionName: roleSessionName(partnerId, requestId),
    ExternalId: entry.externalId,
    DurationSeconds: entry.sessionDurationSeconds,
  })
  for (let attempt = 1; ; attempt++) {
    try {
      const { Credentials: credentials } = await client.send(command)
      if (
        !credentials?.AccessKeyId ||
        !credentials.SecretAccessKey ||
        !credentials.SessionToken ||
        !credentials.Expiration
      ) {
        throw partnerCredentialsError(partnerId, 'IncompleteCredentials', attempt, true)
      }
      // Credentials that arrive already expired (a skewed clock) are refused, never used.
      if (retry.now() >= credentials.Expiration.getTime()) {
        throw partnerCredentialsError(partnerId, 'ExpiredCredentials', attempt, false)
      }
      return {
        accessKeyId: credentials.AccessKeyId,
        secretAccessKey: credentials.SecretAccessKey,
        sessionToken: credentials.SessionToken,
        expiration: credentials.Expiration,
      }
    } catch (error) {
      const failure = error as { name?: string; $metadata?: { httpStatusCode?: number } }
      if (failure.name === 'PartnerCredentialsError') throw error
      const status = failure.$metadata?.httpStatusCode
      const code = failure.name ?? 'Error'
      // No status: the request never got an answer (refused connection, reset, timeout).
      const retryable = RETRYABLE.has(code) || status === undefined || status >= 500
      if (!retryable) throw partnerCredentialsError(partnerId, code, attempt, true)
      if (attempt >= retry.attempts) throw partnerCredentialsError(partnerId, code, attempt, false)
      await sleep(backoffDelay(attempt - 1, retry))
    }
  }
}
