// What the middleware needs to know about API Gateway events (REST v1 and HTTP API v2): whether an
// event is one, its headers, method and path, and how to answer it.

interface HttpEventShape {
  headers?: Record<string, string | undefined> | null
  httpMethod?: string
  path?: string
  rawPath?: string
  routeKey?: string
  body?: unknown
  requestContext?: { http?: { method?: string; path?: string }; httpMethod?: string }
}

/** An API Gateway proxy event: HTTP API (v2, `requestContext.http`) or REST API (v1, `httpMethod`). */
export function isHttpEvent(event: unknown): boolean {
  if (typeof event !== 'object' || event === null) return false
  const shape = event as HttpEventShape
  return typeof shape.requestContext?.http?.method === 'string' || typeof shape.httpMethod === 'string'
}

/**
 * The status API Gateway answers a result without a `statusCode` with: 200 (the value as a JSON body) on
 * HTTP APIs with payload format 2.0; 502 on REST APIs and payload format 1.0, which require a statusCode.
 * Undefined for other events.
 */
export function bareResultStatus(event: unknown): number | undefined {
  if (typeof (event as HttpEventShape).requestContext?.http?.method === 'string') return 200
  return isHttpEvent(event) ? 502 : undefined
}

/** A header's value, matching its name case-insensitively (REST APIs keep the client's spelling). */
export function headerValue(event: unknown, name: string): string | undefined {
  const wanted = name.toLowerCase()
  for (const [header, value] of Object.entries((event as HttpEventShape).headers ?? {})) {
    if (header.toLowerCase() === wanted) return value
  }
  return undefined
}

/**
 * `METHOD /concrete/path`: the resource actually addressed, not the route template, so a key reused
 * on `/accounts/B/payments` never replays the response given for `/accounts/A/payments`.
 */
export function httpOperation(event: unknown): string {
  const shape = event as HttpEventShape
  const method = shape.requestContext?.http?.method ?? shape.httpMethod ?? ''
  const path = shape.rawPath ?? shape.requestContext?.http?.path ?? shape.path ?? shape.routeKey ?? ''
  return `${method.toUpperCase()} ${path}`
}

export interface HttpResult {
  statusCode: number
  headers?: Record<string, string | number | boolean>
  multiValueHeaders?: Record<string, Array<string | number | boolean>>
  body?: string
  isBase64Encoded?: boolean
  cookies?: string[]
}

/**
 * The JSON error answer every idempotency failure gives an HTTP caller: no stack, no internals; with
 * `Retry-After` when the caller may simply retry then.
 */
export function httpErrorResult(
  error: { name: string; status: number; message: string },
  retryAfterSeconds?: number,
): HttpResult {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(retryAfterSeconds)
  return {
    statusCode: error.status,
    headers,
    body: JSON.stringify({ error: { name: error.name, message: error.message } }),
  }
}
