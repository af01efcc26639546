// Who made the request and from where, read from API Gateway events (HTTP API v2 and REST v1) the way
// the authorizers put it there. Anything else is 'anonymous' / null rather than a guess.

type Loose = Record<string, unknown> | undefined

const field = (value: unknown, name: string): Loose => {
  const next =
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined
  return typeof next === 'object' && next !== null ? (next as Record<string, unknown>) : undefined
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0
    ? value
    : typeof value === 'number'
      ? String(value)
      : undefined

/** The principal: JWT `sub`, then a Lambda authorizer's `principalId` or `sub`, then Cognito claims. */
export function actorOf(event: unknown): string {
  const authorizer = field(field(event, 'requestContext'), 'authorizer')
  return (
    text(field(field(authorizer, 'jwt'), 'claims')?.sub) ??
    text(field(authorizer, 'lambda')?.principalId) ??
    text(field(authorizer, 'lambda')?.sub) ??
    text(authorizer?.principalId) ??
    text(field(authorizer, 'claims')?.sub) ??
    'anonymous'
  )
}

export function sourceIpOf(event: unknown): string | null {
  const requestContext = field(event, 'requestContext')
  return (
    text(field(requestContext, 'http')?.sourceIp) ?? text(field(requestContext, 'identity')?.sourceIp) ?? null
  )
}

/** Names a failed request that recorded nothing: the route it was sent to. */
export function routeOf(event: unknown): string {
  const record = typeof event === 'object' && event !== null ? (event as Record<string, unknown>) : {}
  const routeKey = text(record.routeKey)
  if (routeKey !== undefined && routeKey !== '$default') return routeKey
  const method = text(record.httpMethod) ?? text(field(field(record, 'requestContext'), 'http')?.method)
  const path = text(record.resource) ?? text(record.rawPath)
  return method !== undefined && path !== undefined ? `${method} ${path}` : 'invoke'
}
