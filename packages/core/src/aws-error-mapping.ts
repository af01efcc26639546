// Maps the SDK's service errors to DynamORM's typed errors, so handlers and middlewares branch on
// stable names and HTTP statuses instead of SDK internals.
import type { CancellationReason as AwsCancellationReason, TransactWriteItem } from '@aws-sdk/client-dynamodb'
import {
  type CancellationReason,
  ConditionFailedError,
  DynamormError,
  isDynamormError,
  RequestAbortedError,
  ServiceUnavailableError,
  ThrottledError,
  TransactionCancelledError,
  ValidationError,
} from './errors.ts'
import { type AttributeMap, unmarshallItem } from './marshall.ts'

const THROTTLING = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'Throttling',
  'TooManyRequestsException',
])

const UNAVAILABLE = new Set([
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  // The endpoint's name did not resolve (a DNS outage, or throttling of the VPC resolver) or no route.
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
])

const ACCESS_DENIED = new Set([
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'MissingAuthenticationTokenException',
])

interface AwsErrorShape {
  name?: string
  code?: string
  message?: string
  Item?: AttributeMap
  CancellationReasons?: AwsCancellationReason[]
  $metadata?: { httpStatusCode?: number }
}

export function toDynamormError(error: unknown, input?: { TransactItems?: TransactWriteItem[] }): unknown {
  if (isDynamormError(error) || typeof error !== 'object' || error === null) return error
  const aws = error as AwsErrorShape
  const name = aws.name ?? ''
  const message = aws.message ?? name
  if (name === 'ConditionalCheckFailedException') {
    return new ConditionFailedError('The condition did not hold', aws.Item && unmarshallItem(aws.Item), {
      cause: error,
    })
  }
  if (name === 'TransactionCanceledException') {
    return new TransactionCancelledError(cancellationReasons(aws.CancellationReasons ?? [], input), {
      cause: error,
    })
  }
  if (THROTTLING.has(name))
    return new ThrottledError(`DynamoDB throttled the request: ${message}`, { cause: error })
  // The SDK's AbortError: the caller's signal fired, before sending or while waiting for the answer.
  if (name === 'AbortError') {
    return new RequestAbortedError('The DynamoDB call was aborted by its caller; a write may have landed', {
      cause: error,
    })
  }
  if (name === 'ValidationException') return new ValidationError(`DynamoDB rejected the request: ${message}`)
  // A resend of a transaction (same ClientRequestToken) met the first copy still being applied: its
  // writes may yet land, and a later resend gets the answer. Retryable, outcome unknown.
  if (name === 'TransactionInProgressException') {
    return new ServiceUnavailableError(
      `DynamoDB is still applying a transaction with this request token; its writes may land: ${message}`,
      { cause: error, details: { reason: 'transaction-in-progress' } },
    )
  }
  // The same ClientRequestToken was used for other writes within 10 minutes: nothing of these was applied.
  if (name === 'IdempotentParameterMismatchException') {
    return new DynamormError(
      'IdempotentParameterMismatchError',
      500,
      `DynamoDB refused the transaction: its request token was used for other writes (${message})`,
      { cause: error },
    )
  }
  // The role or the credentials do not allow the call: a deployment's configuration, not the caller's input.
  if (ACCESS_DENIED.has(name)) {
    return new DynamormError('AccessDeniedError', 500, `DynamoDB refused the credentials: ${message}`, {
      cause: error,
    })
  }
  if (name === 'ResourceNotFoundException') {
    return new DynamormError('TableNotFoundError', 500, `DynamoDB table not found: ${message}`, {
      cause: error,
    })
  }
  const status = aws.$metadata?.httpStatusCode ?? 0
  if (UNAVAILABLE.has(name) || UNAVAILABLE.has(aws.code ?? '') || status >= 500) {
    return new ServiceUnavailableError(`DynamoDB is unavailable: ${message}`, { cause: error })
  }
  return error
}

function cancellationReasons(
  reasons: AwsCancellationReason[],
  input: { TransactItems?: TransactWriteItem[] } | undefined,
): CancellationReason[] {
  return reasons.map((reason, index) => {
    const write = input?.TransactItems?.[index]
    const target = write?.Update ?? write?.Delete ?? write?.ConditionCheck
    return {
      index,
      code: reason.Code ?? 'Unknown',
      message: reason.Message,
      item: reason.Item && unmarshallItem(reason.Item),
      table: (target ?? write?.Put)?.TableName,
      key: target?.Key && unmarshallItem(target.Key),
    }
  })
}
