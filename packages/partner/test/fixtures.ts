// Shared by the partner tests: partners with roles on the loopback STS, their tables on DynamoDB
// Local (named by prefix: DynamoDB Local runs -sharedDb, so the prefix is the isolation), and a relay
// that records which access key signed each request for which table.
import { randomBytes } from 'node:crypto'
import { createServer, request as httpRequest } from 'node:http'
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { createTestTable, lambdaContext, type TestTable } from '@dynamorm/testing'

export const platformCredentials = { accessKeyId: 'platform', secretAccessKey: 'platform-secret' }

export interface TestPartner {
  id: string
  roleArn: string
  externalId: string
  accountId: string
}

/** Partner `name` in account 1000000000NN, with an ExternalId of its own. */
export function testPartner(name: string, index: number): TestPartner {
  const accountId = String(100_000_000_000 + index)
  return {
    id: name,
    accountId,
    roleArn: `arn:aws:iam::${accountId}:role/dynamorm-platform`,
    externalId: `ext-${name}-${randomBytes(4).toString('hex')}`,
  }
}

/** A run-unique prefix, so tests of one run never see another's tables. */
export const runId = randomBytes(3).toString('hex')

/** A partner's table under the exact name its prefix gives (`pk` / `sk` strings, on demand). */
export function createTable(client: DynamoDBClient, name: string): Promise<TestTable> {
  return createTestTable(client, { name })
}

export interface SignedCall {
  accessKeyId: string
  region: string
  table: string | undefined
}

/** An HTTP relay to DynamoDB Local that records the signing key, region and table of each call. */
export async function signingRelay(target: string) {
  const { hostname, port } = new URL(target)
  const calls: SignedCall[] = []
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => {
      const body = Buffer.concat(chunks)
      const scope = /Credential=([^/]+)\/\d+\/([^/]+)\//.exec(String(incoming.headers.authorization ?? ''))
      let table: string | undefined
      try {
        const input = JSON.parse(body.toString('utf8')) as {
          TableName?: string
          TransactItems?: Array<Record<string, { TableName?: string }>>
        }
        const firstWrite = input.TransactItems?.[0]
        table = input.TableName ?? (firstWrite && Object.values(firstWrite)[0]?.TableName)
      } catch {
        table = undefined
      }
      calls.push({ accessKeyId: scope?.[1] ?? '', region: scope?.[2] ?? '', table })
      const outgoing = httpRequest(
        { hostname, port, method: incoming.method, path: incoming.url, headers: incoming.headers },
        (upstream) => {
          response.writeHead(upstream.statusCode ?? 502, upstream.headers)
          upstream.pipe(response)
        },
      )
      outgoing.on('error', () => response.destroy())
      outgoing.end(body)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address() as { port: number }
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}

/** Invokes a Middy handler as the Lambda runtime does, with a plain Context. */
export function invoke<Result>(
  handler: (event: any, context: any) => Promise<Result>,
  event: unknown,
  context: object = lambdaContext(),
): Promise<Result> {
  return handler(event, context)
}

/** The rejection of a promise that must reject. */
export async function rejectionOf(promise: Promise<unknown>) {
  return (await promise.then(
    () => new Error('expected a rejection'),
    (reason: unknown) => reason,
  )) as Error & { status: number; details: Record<string, unknown> }
}

/** A clock tests move by hand. */
export function manualClock(start = Date.now()) {
  let now = start
  return {
    now: () => now,
    date: () => new Date(now),
    advance: (ms: number) => {
      now += ms
    },
  }
}
