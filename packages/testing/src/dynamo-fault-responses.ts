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
