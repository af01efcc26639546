// DynamoDB errors that DynamoDB Local never returns (it applies one request at a time and does not check
// credentials), built as the SDK builds them from an answer, and what each becomes.
import {
  DynamoDBServiceException,
  IdempotentParameterMismatchException,
  TransactionInProgressException,
} from '@aws-sdk/client-dynamodb'
import { describe, expect, it } from 'vitest'
import { isDynamormError, toDynamormError } from '../src/index.ts'

const $metadata = { httpStatusCode: 400 }

describe('errors DynamoDB Local does not produce', () => {
  it('maps a transaction still in progress under the same request token to a retryable 503', () => {
    const cause = new TransactionInProgressException({ message: 'Transaction is ongoing', $metadata })
    const mapped = toDynamormError(cause)
    expect(isDynamormError(mapped, 'ServiceUnavailableError')).toBe(true)
    expect(mapped).toMatchObject({ status: 503, cause, details: { reason: 'transaction-in-progress' } })
    expect((mapped as Error).message).toMatch(/may land/)
  })

  it('maps a request token reused for other writes to IdempotentParameterMismatchError 500', () => {
    const cause = new IdempotentParameterMismatchException({ message: 'token reused', $metadata })
    expect(toDynamormError(cause)).toMatchObject({
      name: 'IdempotentParameterMismatchError',
      status: 500,
      cause,
    })
  })

  it.each([
    'AccessDeniedException',
    'UnrecognizedClientException',
    'InvalidSignatureException',
    'MissingAuthenticationTokenException',
  ])('maps %s (a role or credentials that do not allow the call) to AccessDeniedError 500', (name) => {
    const cause = new DynamoDBServiceException({ name, $fault: 'client', message: 'not allowed', $metadata })
    const mapped = toDynamormError(cause)
    expect(mapped).toMatchObject({ name: 'AccessDeniedError', status: 500, cause })
    expect((mapped as Error).message).toContain('not allowed')
  })

  it('leaves an error it does not know as it is', () => {
    const cause = new DynamoDBServiceException({
      name: 'SomethingNewException',
      $fault: 'client',
      message: 'new',
      $metadata,
    })
    expect(toDynamormError(cause)).toBe(cause)
  })
})
