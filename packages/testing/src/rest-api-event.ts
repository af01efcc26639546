import { randomUUID } from 'node:crypto'
import type { APIGatewayProxyEvent } from 'aws-lambda'
import { eventBody, withJsonContentType } from './http-event-body.ts'

export interface RestApiEventOptions {
  /** Default 'GET'. */
  method?: string
  /** Default '/'. */
  path?: string
  /** Default the path. */
  resource?: string
  /** Kept as given: REST APIs do not lowercase header names. */
  headers?: Record<string, string>
  /** A string is sent as is; anything else as JSON (with content-type application/json). */
  body?: unknown
  isBase64Encoded?: boolean
  pathParameters?: Record<string, string>
  queryStringParameters?: Record<string, string>
  /** Cognito user pool claims under requestContext.authorizer.claims. */
  claims?: Record<string, string>
  /** A Lambda authorizer's context, merged flat into requestContext.authorizer (with principalId). */
  lambdaAuthorizer?: Record<string, unknown>
  /** Default '127.0.0.1'. */
  sourceIp?: string
  /** Default a random UUID. */
  requestId?: string
  /** Default 'test'. */
  stage?: string
  stageVariables?: Record<string, string>
}

const multiValue = (values: Record<string, string> | undefined) =>
  values ? Object.fromEntries(Object.entries(values).map(([name, value]) => [name, [value]])) : null

/** An API Gateway REST API (payload v1) proxy event. */
export function restApiEvent(options: RestApiEventOptions = {}): APIGatewayProxyEvent {
  const method = (options.method ?? 'GET').toUpperCase()
  const path = options.path ?? '/'
  const resource = options.resource ?? path
  const stage = options.stage ?? 'test'
  const headers = withJsonContentType(options.headers ?? {}, options.body)
  let authorizer: Record<string, unknown> | undefined
  if (options.claims) authorizer = { claims: options.claims }
  if (options.lambdaAuthorizer)
    authorizer = { principalId: 'test-principal', ...authorizer, ...options.lambdaAuthorizer }
  return {
    resource,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: multiValue(headers) ?? {},
    queryStringParameters: options.queryStringParameters ?? null,
    multiValueQueryStringParameters: multiValue(options.queryStringParameters),
    pathParameters: options.pathParameters ?? null,
    stageVariables: options.stageVariables ?? null,
    body: eventBody(options.body) ?? null,
    isBase64Encoded: options.isBase64Encoded ?? false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'restapitest',
      authorizer,
      protocol: 'HTTP/1.1',
      httpMethod: method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: options.sourceIp ?? '127.0.0.1',
        user: null,
        userAgent: headers['User-Agent'] ?? headers['user-agent'] ?? 'dynamorm-testing',
        userArn: null,
      },
      path: `/${stage}${path}`,
      stage,
      requestId: options.requestId ?? randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'resource-test',
      resourcePath: resource,
    },
  }
}
