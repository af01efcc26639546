// KMS is needed at the first data key (a write, or a read of a key this container has not seen), never
// at init: @aws-sdk/client-kms is imported, and a KMS client made, on that first call, so a cold start
// does not pay for loading it. One import per container and one client per owner, however many fields
// miss at once.
import type { KMSClient } from '@aws-sdk/client-kms'
import { importErrorCode, retryableOnce } from '@dynamorm/core'
import { EncryptionConfigError } from './errors.ts'

export type KmsModule = typeof import('@aws-sdk/client-kms')

/** The SDK module (for its command classes) and the client to send them with. */
export interface KmsApi {
  kms: KmsModule
  client: KMSClient
}

const KMS_MODULE = '@aws-sdk/client-kms'

/**
 * Imports `@aws-sdk/client-kms` once (a failed import is retried by the next caller). A missing or
 * broken module is an EncryptionConfigError (500) naming it, never a retryable KMS outage.
 */
export function kmsModuleLoader(
  load: () => Promise<KmsModule> = () => import('@aws-sdk/client-kms'),
): () => Promise<KmsModule> {
  return retryableOnce(() =>
    load().catch((cause: unknown) => {
      throw new EncryptionConfigError(
        `${KMS_MODULE} could not be loaded (${importErrorCode(cause)}): install it, or run on a Lambda runtime that ships the AWS SDK`,
        { details: { module: KMS_MODULE } },
      )
    }),
  )
}

/** The package's one loader: every field encryption of the process shares the import. */
export const loadKmsModule = kmsModuleLoader()

/** `() => Promise<KmsApi>` whose client `make` builds at the first call (again after a failed one). */
export function lazyKmsApi(
  make: (kms: KmsModule) => KMSClient,
  loadModule: () => Promise<KmsModule> = loadKmsModule,
): () => Promise<KmsApi> {
  return retryableOnce(async () => {
    const kms = await loadModule()
    return { kms, client: make(kms) }
  })
}
