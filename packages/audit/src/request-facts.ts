// Who made the request and from where, read from API Gateway events (HTTP API v2 and REST v1) the way
// the authorizers put it there. Anything else is 'anonymous' / null rather than a guess.

/**
 * The members read here. Any of them may be missing or of another type in a given event: reading a
 * member of a string or a number gives undefined, `?.` covers null, and `text` checks each value read.
 */
interface ApiGatewayEvent {
  routeKey?: unknown
  httpMethod?: unknown
  resource?: unknown
  rawPath?: unknown
  requestContext?: {
    http?: { method?: unknown; sourceIp?: unknown }
    identity?: { sourceIp?: unknown }
    authorizer?: {
      principalId?: unknown
      jwt?: { claims?: { sub?: unknown } }
      lambda?: { principalId?: unknown; sub?: unknown }
      claims?: { sub?: unknown }
    }
  }
}

type AnyEvent = ApiGatewayEvent | null | undefined

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0
    ? value
    : typeof value === 'number'
      ? String(value)
      : undefined

/** The principal: JWT `sub`, then a Lambda authorizer's `principalId` or `sub`, then Cognito claims. */
export function actorOf(event: unknown): string {
  const authorizer = (event as AnyEvent)?.requestContext?.authorizer
  return (
    text(authorizer?.jwt?.claims?.sub) ??
    text(authorizer?.lambda?.principalId) ??
    text(authorizer?.lambda?.sub) ??
    text(authorizer?.principalId) ??
    text(authorizer?.claims?.sub) ??
    'anonymous'
  )
}

export function sourceIpOf(event: unknown): string | null {
  const requestContext = (event as AnyEvent)?.requestContext
  return text(requestContext?.http?.sourceIp) ?? text(requestContext?.identity?.sourceIp) ?? null
}

/** Names a failed request that recorded nothing: the route it was sent to. */
export function routeOf(event: unknown): string {
  const api = event as AnyEvent
  const routeKey = text(api?.routeKey)
  if (routeKey !== undefined && routeKey !== '$default') return routeKey
  const method = text(api?.httpMethod) ?? text(api?.requestContext?.http?.method)
  const path = text(api?.resource) ?? text(api?.rawPath)
  return method !== undefined && path !== undefined ? `${method} ${path}` : 'invoke'
}
