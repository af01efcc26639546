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
 * Imports `@aws-sdk/client-sts` once (a failed import is retried by the next caller). A missing or
 * broken module is a PartnerConfigError (500) naming it, never a retryable STS outage.
 */
export function stsModuleLoader(
  load: () => Promise<StsModule> = () => import('@aws-sdk/client-sts'),
): () => Promise<StsModule> {
  return retryableOnce(() =>
    load().catch((cause: unknown) => {
      throw partnerError(
        'PartnerConfigError',
        `${STS_MODULE} could not be loaded (${importErrorCode(cause)}): install it, or run on a Lambda runtime that ships the AWS SDK`,
        { module: STS_MODULE },
      )
    }),
  )
}

/**
 * `() => Promise<StsApi>`: the caller's client, or one made from `config` at the first call (with
 * maxAttempts 1: role-session.ts counts and spaces the attempts itself).
 */
export function lazyStsClient(
  client: STSClient | undefined,
  config: STSClientConfig | undefined,
  loadModule: () => Promise<StsModule>,
): () => Promise<StsApi> {
  return retryableOnce(async () => {
    const sts = await loadModule()
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
