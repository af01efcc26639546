import { randomUUID } from 'node:crypto'
import type { APIGatewayEventRequestContextV2, APIGatewayProxyEventV2WithRequestContext } from 'aws-lambda'
import { eventBody, withJsonContentType } from './http-event-body.ts'

export type JwtClaims = Record<string, string | number | boolean | string[]>

export interface HttpApiEventOptions {
  /** Default 'GET'. */
  method?: string
  /** Default '/'. */
  path?: string
  /** Names are lowercased, as HTTP APIs deliver them. */
  headers?: Record<string, string>
  /** A string is sent as is; anything else as JSON (with content-type application/json). */
  body?: unknown
  isBase64Encoded?: boolean
  pathParameters?: Record<string, string>
  queryStringParameters?: Record<string, string>
  cookies?: string[]
  /** Puts claims under requestContext.authorizer.jwt.claims. */
  jwtClaims?: JwtClaims
  jwtScopes?: string[]
  /** Puts this object under requestContext.authorizer.lambda. */
  lambdaAuthorizer?: Record<string, unknown>
  /** Default '127.0.0.1'. */
  sourceIp?: string
  /** Default a random UUID. */
  requestId?: string
  /** Default `${method} ${path}`. */
  routeKey?: string
  stageVariables?: Record<string, string>
}

export interface HttpApiAuthorizerContext {
  jwt?: { claims: JwtClaims; scopes: string[] | null }
  lambda?: Record<string, unknown>
}

/** An API Gateway HTTP API (payload v2) event; assignable to APIGatewayProxyEventV2. */
export type HttpApiEvent = APIGatewayProxyEventV2WithRequestContext<
  APIGatewayEventRequestContextV2 & { authorizer?: HttpApiAuthorizerContext }
>

export function httpApiEvent(options: HttpApiEventOptions = {}): HttpApiEvent {
  const method = (options.method ?? 'GET').toUpperCase()
  const path = options.path ?? '/'
  const headers = Object.fromEntries(
    Object.entries(withJsonContentType(options.headers ?? {}, options.body)).map(([name, value]) => [
      name.toLowerCase(),
      value,
    ]),
  )
  const now = new Date()
  const requestContext: HttpApiEvent['requestContext'] = {
    accountId: '123456789012',
    apiId: 'api-test',
    domainName: 'api-test.execute-api.us-east-1.amazonaws.com',
    domainPrefix: 'api-test',
    http: {
      method,
      path,
      protocol: 'HTTP/1.1',
      sourceIp: options.sourceIp ?? '127.0.0.1',
      userAgent: headers['user-agent'] ?? 'dynamorm-testing',
    },
    requestId: options.requestId ?? randomUUID(),
    routeKey: options.routeKey ?? `${method} ${path}`,
    stage: '$default',
    time: now.toISOString(),
    timeEpoch: now.getTime(),
  }
  if (options.jwtClaims || options.lambdaAuthorizer) {
    requestContext.authorizer = {}
    if (options.jwtClaims) {
      requestContext.authorizer.jwt = { claims: options.jwtClaims, scopes: options.jwtScopes ?? null }
    }
    if (options.lambdaAuthorizer) requestContext.authorizer.lambda = options.lambdaAuthorizer
  }
  const query = options.queryStringParameters
  return {
    version: '2.0',
    routeKey: requestContext.routeKey,
    rawPath: path,
    rawQueryString: query ? new URLSearchParams(query).toString() : '',
    cookies: options.cookies,
    headers,
    queryStringParameters: query,
    pathParameters: options.pathParameters,
    stageVariables: options.stageVariables,
    requestContext,
    body: eventBody(options.body),
    isBase64Encoded: options.isBase64Encoded ?? false,
  }
}
