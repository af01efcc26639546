import { Agent, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { createCallCounter } from './call-counter.ts'
import { dropConnection } from './dropped-connection.ts'
import { sendDynamoServerError, sendDynamoThrottle } from './dynamo-fault-responses.ts'
import { createFaultSchedule, type FaultInjector } from './fault-injector.ts'
import { startLoopbackHttpServer } from './loopback-http-server.ts'

export interface DynamoFaultProxy {
  endpoint: string
  faults: FaultInjector
  /** Requests received for this operation (from X-Amz-Target, e.g. 'PutItem'); all when omitted. */
  calls(operation?: string): number
  close(): Promise<void>
}

/**
 * An HTTP proxy on 127.0.0.1 in front of DynamoDB Local: point a client's endpoint at it to count
 * calls and inject latency, throttling, 500s and dropped connections per test.
 */
export async function startDynamoFaultProxy(targetEndpoint: string): Promise<DynamoFaultProxy> {
  const target = new URL(targetEndpoint)
  const agent = new Agent({ keepAlive: true })
  const counter = createCallCounter()
  const faults = createFaultSchedule()

  const forward = (incoming: IncomingMessage, response: ServerResponse, body: Buffer): Promise<void> =>
    new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        {
          agent,
          hostname: target.hostname,
          port: target.port,
          method: incoming.method,
          path: incoming.url,
          headers: incoming.headers,
        },
        (upstream) => {
          response.writeHead(upstream.statusCode ?? 502, upstream.headers)
          upstream.pipe(response)
          upstream.on('end', resolve)
          upstream.on('error', reject)
        },
      )
      outgoing.on('error', reject)
      outgoing.end(body)
    })

  const handle = async (request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<void> => {
    const target = String(request.headers['x-amz-target'] ?? '')
    const operation = target.slice(target.indexOf('.') + 1)
    counter.record(operation)
    const decision = faults.next(operation)
    if (decision.latencyMs > 0) await sleep(decision.latencyMs)
    if (decision.action === 'drop') return dropConnection(request)
    if (decision.action === 'throttle') return sendDynamoThrottle(response, decision.throttleKind)
    if (decision.action === 'serverError') return sendDynamoServerError(response)
    await forward(request, response, body)
  }

  const server = await startLoopbackHttpServer(handle)
  return {
    endpoint: server.endpoint,
    faults,
    calls: (operation) => counter.count(operation),
    close: async () => {
      await server.close()
      agent.destroy()
    },
  }
}
