// Turns DynamORM's typed errors into API Gateway responses: the status and stable name, never a
// stack trace, credentials or the AWS error itself. Anything untyped stays a 500 for Lambda to log.
import { isDynamormError } from '@dynamorm/core'
import type { MiddlewareObj, Request } from '@middy/core'
import type { APIGatewayProxyResultV2 } from 'aws-lambda'

export function errorResponse(): MiddlewareObj<unknown, APIGatewayProxyResultV2> {
  const errorResponseOnError = (request: Request<unknown, APIGatewayProxyResultV2>): void => {
    const error = request.error
    if (!isDynamormError(error)) return
    request.response = {
      statusCode: error.status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ error: error.name, message: error.message }),
    }
  }
  return { name: 'errorResponse', onError: errorResponseOnError }
}
