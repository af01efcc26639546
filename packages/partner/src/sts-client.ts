// The STS client is needed only when a partner's credentials are missing or near expiry, never to
// answer from the cache: @aws-sdk/client-sts is imported at the first AssumeRole, not at module init,
// so a cold start does not pay for loading it. One import and one client per container, however many
// partners miss at once.
import type { STSClient, STSClientConfig } from '@aws-sdk/client-sts'
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
  let loading: Promise<StsModule> | undefined
  return () => {
    loading ??= load().catch((cause: unknown) => {
      loading = undefined
      throw partnerError(
        'PartnerConfigError',
        `${STS_MODULE} could not be loaded (${codeOf(cause)}): install it, or run on a Lambda runtime that ships the AWS SDK`,
        { module: STS_MODULE },
      )
    })
    return loading
  }
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
  let api: Promise<StsApi> | undefined
  return () => {
    api ??= loadModule().then(
      (sts) => ({
        sts,
        client:
          client ??
          new sts.STSClient({
            maxAttempts: 1,
            requestHandler: { connectionTimeout: 1000, requestTimeout: 3000, throwOnRequestTimeout: true },
            ...config,
          }),
      }),
      (error: unknown) => {
        api = undefined
        throw error
      },
    )
    return api
  }
}

// The error code only: a module-resolution message quotes file paths of the deployment.
function codeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && /^[A-Z0-9_]{1,64}$/.test(code) ? code : 'import failed'
}
