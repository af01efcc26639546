// The STS client is needed only when a partner's credentials are missing or near expiry, never to
// answer from the cache: @aws-sdk/client-sts is imported at the first AssumeRole, not at module init,
// so a cold start does not pay for loading it. One import and one client per container, however many
// partners miss at once.
import type { STSClient, STSClientConfig } from '@aws-sdk/client-sts'
import { importErrorCode, retryableOnce } from '@dynamorm/core'
import { partnerError } from './partner-error.ts'

export type StsModule = typeof import('@aws-sdk/client-sts')

/** The SDK module, and the client AssumeRole is sent with. */
export interface StsApi {
  sts: StsModule
  client: STSClient
}

const STS_MODULE = '@aws-sdk/client-sts'

/**
 * `() => Promise<StsApi>`: imports `@aws-sdk/client-sts` at the first call (concurrent callers share
 * it), then uses the caller's client or makes one from `config` (with maxAttempts 1: role-session.ts
 * counts and spaces the attempts itself). A missing or broken module is a PartnerConfigError (500)
 * naming it, never a retryable STS outage; a failure is not remembered, so the next call tries again.
 */
export function lazyStsClient(
  client: STSClient | undefined,
  config: STSClientConfig | undefined,
  load: () => Promise<StsModule> = () => import('@aws-sdk/client-sts'),
): () => Promise<StsApi> {
  return retryableOnce(async () => {
    const sts = await load().catch((cause: unknown) => {
      throw partnerError(
        'PartnerConfigError',
        `${STS_MODULE} could not be loaded (${importErrorCode(cause)}): install it, or run on a Lambda runtime that ships the AWS SDK`,
        { module: STS_MODULE },
      )
    })
    return {
      sts,
      client:
        client ??
        new sts.STSClient({
          maxAttempts: 1,
          requestHandler: { connectionTimeout: 1000, requestTimeout: 3000, throwOnRequestTimeout: true },
          ...config,
        }),
    }
  })
}
