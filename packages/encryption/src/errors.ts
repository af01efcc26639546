// The package's failures. Messages name tables and attributes, never values: a ciphertext's plaintext,
// a data key or a credential must not reach a log line or an HTTP response through an error.
import { DynamormError, type DynamormErrorOptions, isDynamormError } from '@dynamorm/core'

/** A field did not authenticate: tampered, truncated, or moved to another row, attribute or table. */
export class DecryptionError extends DynamormError {
  constructor(message: string, options?: DynamormErrorOptions) {
    super('DecryptionError', 500, message, options)
  }
}

/**
 * An encrypted data key is under a KMS key this deployment does not trust (neither `keyId` nor one of
 * `previousKeyIds`): a field forged under someone else's key, or a rotation whose old key is not listed.
 */
export class UntrustedKmsKeyError extends DynamormError {
  constructor(message: string, options?: DynamormErrorOptions) {
    super('UntrustedKmsKeyError', 500, message, options)
  }
}

/** KMS could not be reached or answered with a server error or throttling after the SDK's retries. */
export class KmsUnavailableError extends DynamormError {
  constructor(message: string, options?: DynamormErrorOptions) {
    super('KmsUnavailableError', 503, message, options)
  }
}

/** KMS refused: key disabled, deleted or unknown, or the caller's role may not use it. */
export class KmsKeyError extends DynamormError {
  constructor(message: string, options?: DynamormErrorOptions) {
    super('KmsKeyError', 502, message, options)
  }
}

/** The encryption was configured wrongly (invalid option, partner without a key). */
export class EncryptionConfigError extends DynamormError {
  constructor(message: string, options?: DynamormErrorOptions) {
    super('EncryptionConfigError', 500, message, options)
  }
}

// KMS exceptions that mean "try again later" rather than "this will never work".
const unavailable = new Set([
  'ThrottlingException',
  'KMSInternalException',
  'DependencyTimeoutException',
  'KeyUnavailableException',
  'TimeoutError',
])

/**
 * The one place a KMS failure becomes a typed error. The SDK error is kept as `cause` only in a
 * reduced form (name, HTTP status): SDK errors carry request metadata that has no place in a response.
 */
export function kmsFailure(error: unknown, operation: string): DynamormError {
  // Already typed, by the client's credential provider (a partner's role refused: 502, STS down: 503):
  // KMS was never asked, so it is neither KMS's refusal nor its outage.
  if (isDynamormError(error)) return error
  const sdk = error as
    | { name?: unknown; $fault?: string; $metadata?: { httpStatusCode?: number } }
    | undefined
  const name = typeof sdk?.name === 'string' ? sdk.name : 'Error'
  const httpStatusCode = sdk?.$metadata?.httpStatusCode
  const options = { cause: { name, httpStatusCode }, details: { operation, kmsError: name } }
  // Decrypt names the key it trusts: KMS says the data key is under another one.
  if (name === 'IncorrectKeyException') {
    return new UntrustedKmsKeyError(
      `KMS ${operation}: the encrypted data key is under a KMS key this deployment does not trust (${name})`,
      options,
    )
  }
  // The ciphertext (an encrypted data key) is not what it claims to be.
  if (name === 'InvalidCiphertextException') {
    return new DecryptionError(`KMS ${operation} rejected an encrypted data key (${name})`, options)
  }
  if (unavailable.has(name) || sdk?.$fault === 'server' || httpStatusCode === undefined) {
    return new KmsUnavailableError(`KMS ${operation} is unavailable (${name})`, options)
  }
  return new KmsKeyError(`KMS ${operation} was refused (${name})`, options)
}
