// Opaque query cursors: base64url of the last evaluated key, bound to the table and index it came
// from and, with a secret, HMAC-SHA-256 signed so a client cannot forge a position in another
// partner's keyspace. Anything malformed or tampered with is a ValidationError (HTTP 400).
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { ValidationError } from './errors.ts'

export interface CursorScope {
  table: string
  index?: string | undefined
}

interface CursorBody {
  t: string
  i?: string
  k: Record<string, AttributeValue>
}

// Keys hold only S, N or B values; B is carried as base64.
function encodeKey(key: Record<string, AttributeValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(key)) {
    out[name] = value.B !== undefined ? { B: Buffer.from(value.B).toString('base64') } : value
  }
  return out
}

function decodeKey(raw: unknown): Record<string, AttributeValue> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('key')
  const out: Record<string, AttributeValue> = {}
  for (const [name, value] of Object.entries(raw)) {
    const entries = typeof value === 'object' && value !== null ? Object.entries(value) : []
    const [type, inner] = entries[0] ?? []
    if (entries.length !== 1 || typeof inner !== 'string') throw new Error('key value')
    if (type === 'S') out[name] = { S: inner }
    else if (type === 'N') out[name] = { N: inner }
    else if (type === 'B') out[name] = { B: new Uint8Array(Buffer.from(inner, 'base64')) }
    else throw new Error('key type')
  }
  return out
}

function sign(payload: string, secret: string | Uint8Array): string {
  return createHmac('sha256', secret).update(payload).digest('base64url')
}

export function encodeCursor(
  lastEvaluatedKey: Record<string, AttributeValue>,
  scope: CursorScope,
  secret?: string | Uint8Array,
): string {
  const body: Record<string, unknown> = { t: scope.table, k: encodeKey(lastEvaluatedKey) }
  if (scope.index !== undefined) body.i = scope.index
  const payload = Buffer.from(JSON.stringify(body)).toString('base64url')
  return secret === undefined ? payload : `${payload}.${sign(payload, secret)}`
}

export function decodeCursor(
  cursor: string,
  scope: CursorScope,
  secret?: string | Uint8Array,
): Record<string, AttributeValue> {
  const invalid = (reason: string) =>
    new ValidationError(`Invalid cursor: ${reason}`, { details: { reason: 'invalid-cursor' } })
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > 8192) throw invalid('malformed')
  const [payload = '', signature, extra] = cursor.split('.')
  if (extra !== undefined) throw invalid('malformed')
  if (secret !== undefined) {
    if (signature === undefined) throw invalid('not signed')
    const expected = Buffer.from(sign(payload, secret))
    const given = Buffer.from(signature)
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw invalid('bad signature')
  } else if (signature !== undefined) {
    throw invalid('signed cursor but no cursor secret is configured')
  }
  let body: CursorBody
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as CursorBody
    if (typeof body !== 'object' || body === null) throw new Error('body')
    body.k = decodeKey(body.k)
  } catch {
    throw invalid('malformed')
  }
  if (body.t !== scope.table || body.i !== scope.index) throw invalid('belongs to another table or index')
  return body.k
}
