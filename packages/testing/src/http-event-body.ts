/** Event bodies are strings on the wire; objects are sent as JSON. */
export function eventBody(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined
  return typeof body === 'string' ? body : JSON.stringify(body)
}

/** Adds `content-type: application/json` for an object body unless a content type is already set. */
export function withJsonContentType(headers: Record<string, string>, body: unknown): Record<string, string> {
  const isObjectBody = body !== undefined && body !== null && typeof body !== 'string'
  const hasContentType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')
  return isObjectBody && !hasContentType ? { ...headers, 'content-type': 'application/json' } : headers
}
