// Shared by the tests: the local stack on the run's DynamoDB Local, run-unique partner ids, and a
// request helper that goes through the real router with API Gateway HTTP API events.
import { randomBytes } from 'node:crypto'
import { httpApiEvent, lambdaContext } from '@dynamorm/testing'
import { inject } from 'vitest'
import { type LocalStack, startLocalStack } from '../src/local-stack.ts'

export const runId = randomBytes(3).toString('hex')
export const partnerName = (name: string): string => `${name}-${runId}`

export const CARD = { number: '4111111111111111', expMonth: 12, expYear: 2030, cvc: '737' }
export const order = (extra: Record<string, unknown> = {}) => ({
  amount: 1250,
  currency: 'EUR',
  card: CARD,
  ...extra,
})

export function testStack(logger?: (line: string) => void): Promise<LocalStack> {
  return startLocalStack({ dynamoEndpoint: inject('dynamoEndpoint'), ...(logger ? { logger } : {}) })
}

export interface Answer {
  status: number
  body: any
  raw: string
  headers: Record<string, string>
}

export interface RequestOptions {
  body?: unknown
  key?: string
  query?: Record<string, string>
  headers?: Record<string, string>
  /** JWT claims; default { sub, partner_id: partner }. `null`: no authorizer claims at all. */
  claims?: Record<string, string> | null
}

export async function send(
  stack: LocalStack,
  partner: string,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<Answer> {
  const headers = { ...options.headers }
  if (options.key !== undefined) headers['idempotency-key'] = options.key
  const claims =
    options.claims === undefined ? { sub: `${partner}-user`, partner_id: partner } : options.claims
  const event = httpApiEvent({
    method,
    path,
    headers,
    ...(options.body === undefined ? {} : { body: options.body }),
    ...(options.query === undefined ? {} : { queryStringParameters: options.query }),
    ...(claims === null ? {} : { jwtClaims: claims }),
  })
  const result = await stack.api.route(event, lambdaContext())
  const raw = result.body ?? ''
  return {
    status: result.statusCode ?? 200,
    body: raw === '' ? undefined : JSON.parse(raw),
    raw,
    headers: Object.fromEntries(
      Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
    ),
  }
}

/** Everything a response or stored item says, as text, to search for leaked plaintext. */
export function asText(value: unknown): string {
  return JSON.stringify(value, (_key, inner) =>
    inner instanceof Uint8Array ? Buffer.from(inner).toString('latin1') : inner,
  )
}
