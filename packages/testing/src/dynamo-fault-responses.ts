import type { ServerResponse } from 'node:http'

const throttleTypes: Record<string, string> = {
  ProvisionedThroughputExceededException:
    'com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException',
  ThrottlingException: 'com.amazon.coral.availability#ThrottlingException',
  RequestLimitExceeded: 'com.amazonaws.dynamodb.v20120810#RequestLimitExceeded',
}

function sendDynamoError(response: ServerResponse, status: number, type: string, message: string): void {
  response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' })
  response.end(JSON.stringify({ __type: type, message }))
}

/** A DynamoDB JSON 1.0 throttling error of the given kind (default ProvisionedThroughputExceededException). */
export function sendDynamoThrottle(
  response: ServerResponse,
  kind = 'ProvisionedThroughputExceededException',
): void {
  const type = throttleTypes[kind] ?? kind
  sendDynamoError(
    response,
    400,
    type,
    'Injected throttling: the level of configured provisioned throughput was exceeded',
  )
}

export function sendDynamoServerError(response: ServerResponse): void {
  sendDynamoError(
    response,
    500,
    'com.amazonaws.dynamodb.v20120810#InternalServerError',
    'Injected internal server error',
  )
}

/**
 * DynamoDB's answer to a transaction that collided with another one: one cancellation reason per item,
 * in the request's order, `TransactionConflict` for `conflictIndex` (the last item when past the end)
 * and `None` for the rest.
 */
export function sendTransactionConflict(
  response: ServerResponse,
  itemCount: number,
  conflictIndex: number,
): void {
  const conflicting = Math.min(conflictIndex, itemCount - 1)
  const reasons = Array.from({ length: itemCount }, (_, index) =>
    index === conflicting
      ? { Code: 'TransactionConflict', Message: 'Transaction is ongoing for the item' }
      : { Code: 'None' },
  )
  response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' })
  response.end(
    JSON.stringify({
      __type: 'com.amazonaws.dynamodb.v20120810#TransactionCanceledException',
      message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons
        .map((reason) => reason.Code)
        .join(', ')}]`,
      CancellationReasons: reasons,
    }),
  )
}
