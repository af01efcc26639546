// `pnpm dev`'s HTTP front: node:http on 127.0.0.1, each request turned into the API Gateway HTTP API
// (payload v2) event the Lambda would get, answered by the same router.
//
// LOCAL ONLY: `Authorization: Bearer <partnerId>` is taken at its word and becomes the JWT claims
// { sub: 'dev-<partnerId>', partner_id: <partnerId> }. In AWS the HttpApi's JWT authorizer verifies a
// real token and API Gateway puts its claims there; nothing here is an authentication scheme.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { httpApiEvent, lambdaContext } from '@dynamorm/testing'
import type { LambdaHandler } from '../payment-stack.ts'

export interface DevServer {
  url: string
  close(): Promise<void>
}

/** Largest body accepted (API Gateway's own limit is 10 MB; payments are small). */
const MAX_BODY_BYTES = 1024 * 1024

/** As API Gateway's HTTP API (payload 2.0) gives them: a parameter given twice has its values joined by commas. */
function queryStringParameters(search: URLSearchParams): Record<string, string> {
  const parameters: Record<string, string> = {}
  for (const name of new Set(search.keys())) parameters[name] = search.getAll(name).join(',')
  return parameters
}

export async function serveLocally(handler: LambdaHandler, port = 0): Promise<DevServer> {
  let requests = 0
  const server: Server = createServer((incoming, outgoing) => {
    readBody(incoming)
      .then(async (body) => {
        const url = new URL(incoming.url ?? '/', 'http://127.0.0.1')
        const headers: Record<string, string> = {}
        for (const [name, value] of Object.entries(incoming.headers)) {
          if (typeof value === 'string') headers[name] = value
          else if (Array.isArray(value)) headers[name] = value.join(',')
        }
        const partnerId = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1]
        const event = httpApiEvent({
          method: incoming.method ?? 'GET',
          path: url.pathname,
          headers,
          ...(body.length > 0 ? { body: body.toString('utf8') } : {}),
          ...(url.search === '' ? {} : { queryStringParameters: queryStringParameters(url.searchParams) }),
          ...(partnerId === undefined
            ? {}
            : { jwtClaims: { sub: `dev-${partnerId}`, partner_id: partnerId } }),
        })
        event.rawQueryString = url.search.slice(1)
        const result = await handler(event, lambdaContext({ awsRequestId: `dev-${++requests}` }))
        outgoing.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>)
        outgoing.end(result.body ?? '')
      })
      .catch((error: unknown) => {
        const tooLarge = (error as { code?: string }).code === 'BODY_TOO_LARGE'
        outgoing.writeHead(tooLarge ? 413 : 500, { 'content-type': 'application/json' })
        outgoing.end(
          JSON.stringify({
            error: tooLarge
              ? { name: 'BodyTooLargeError', message: 'The body is too large' }
              : { name: 'InternalError', message: 'Internal error' },
          }),
        )
      })
  })
  // A port in use is a rejection here, not an unhandled 'error' event that kills the process.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port: bound } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

function readBody(incoming: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    // Past the limit the rest is read and dropped, then refused: a connection destroyed while the client
    // still sends is reset, and the client never sees the 413.
    incoming.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY_BYTES) chunks.push(chunk)
      else chunks.length = 0
    })
    incoming.on('end', () =>
      size > MAX_BODY_BYTES
        ? reject(Object.assign(new Error('body too large'), { code: 'BODY_TOO_LARGE' }))
        : resolve(Buffer.concat(chunks)),
    )
    incoming.on('error', reject)
  })
}

/** The curl lines printed at start: a full tour of the API. */
export function curlExamples(url: string, partnerId: string): string[] {
  const auth = `-H 'authorization: Bearer ${partnerId}'`
  const json = `-H 'content-type: application/json'`
  return [
    `curl -s ${url}/payments -X POST ${auth} ${json} -H 'idempotency-key: order-1' \\`,
    `  -d '{"amount":1250,"currency":"EUR","card":{"number":"4111111111111111","expMonth":12,"expYear":2030,"cvc":"737"}}'`,
    `curl -s ${url}/payments/<id>/capture -X POST ${auth} -H 'idempotency-key: capture-1'`,
    `curl -s ${url}/payments/<id>/refunds -X POST ${auth} ${json} -H 'idempotency-key: refund-1' -d '{"amount":300}'`,
    `curl -s ${url}/payments/<id> ${auth}`,
    `curl -s '${url}/payments?status=authorized&limit=10' ${auth}`,
    `curl -s ${url}/payments/search -X POST ${auth} ${json} -d '{"cardNumber":"4111111111111111"}'`,
  ]
}
