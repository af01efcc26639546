import { Agent, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import { finished } from 'node:stream/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { createCallCounter } from './call-counter.ts'
import { dropConnection } from './dropped-connection.ts'
import {
  sendDynamoServerError,
  sendDynamoThrottle,
  sendTransactionConflict,
} from './dynamo-fault-responses.ts'
import { faultCount } from './fault-count.ts'
import { createFaultSchedule, type FaultInjector } from './fault-injector.ts'
import { startLoopbackHttpServer } from './loopback-http-server.ts'
import { createLostResponseFault, type LostResponseFaults } from './lost-response-fault.ts'
import {
  createTransactionConflictFault,
  type DynamoFaults,
  transactItemCount,
} from './transaction-conflict-fault.ts'

export interface DynamoFaultProxy {
  endpoint: string
  /**
   * The shared faults plus `transactionConflict` (and `conflictItemIndex`) for TransactWriteItems, and
   * `dropResponse`: requests applied by DynamoDB whose answer is lost.
   */
  faults: FaultInjector<DynamoFaults & LostResponseFaults>
  /** Requests received for this operation (from X-Amz-Target, e.g. 'PutItem'); all when omitted. */
  calls(operation?: string): number
  close(): Promise<void>
}

/**
 * An HTTP proxy on 127.0.0.1 in front of DynamoDB Local: point a client's endpoint at it to count
 * calls and inject latency, throttling, 500s, dropped connections, transaction conflicts and answers lost
 * after DynamoDB applied the request, per test.
 */
export async function startDynamoFaultProxy(targetEndpoint: string): Promise<DynamoFaultProxy> {
  const target = new URL(targetEndpoint)
  const agent = new Agent({ keepAlive: true })
  const counter = createCallCounter()
  const schedule = createFaultSchedule()
  const conflicts = createTransactionConflictFault()
  const lostResponses = createLostResponseFault()
  const faults: FaultInjector<DynamoFaults & LostResponseFaults> = {
    set({ transactionConflict, conflictItemIndex, dropResponse, ...shared }) {
      // Every count is checked before any is applied, so a bad call changes nothing.
      const lost = dropResponse === undefined ? undefined : faultCount('dropResponse', dropResponse)
      conflicts.set({ transactionConflict, conflictItemIndex })
      lostResponses.set(lost)
      schedule.set(shared)
    },
    reset() {
      schedule.reset()
      conflicts.reset()
      lostResponses.reset()
    },
  }

  const forward = (incoming: IncomingMessage, body: Buffer): Promise<IncomingMessage> =>
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
        resolve,
      )
      outgoing.on('error', reject)
      outgoing.end(body)
    })

  const handle = async (request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<void> => {
    const target = String(request.headers['x-amz-target'] ?? '')
    const operation = target.slice(target.indexOf('.') + 1)
    counter.record(operation)
    const decision = schedule.next(operation)
    if (decision.latencyMs > 0) await sleep(decision.latencyMs)
    if (decision.action === 'drop') return dropConnection(request)
    if (decision.action === 'throttle') return sendDynamoThrottle(response, decision.throttleKind)
    if (decision.action === 'serverError') return sendDynamoServerError(response)
    // Consumed after the shared counted faults, and only by transactions the operation filter lets through.
    if (operation === 'TransactWriteItems' && schedule.applies(operation)) {
      const conflictIndex = conflicts.take()
      if (conflictIndex !== undefined) {
        return sendTransactionConflict(response, transactItemCount(body), conflictIndex)
      }
    }
    // Decided on arrival, so "the next N" follows the order requests came in.
    const loseResponse = schedule.applies(operation) && lostResponses.take()
    const upstream = await forward(request, body)
    if (loseResponse) {
      // DynamoDB has applied the request and is answering: read its answer to the end, then lose it.
      upstream.resume()
      await finished(upstream)
      return dropConnection(request)
    }
    response.writeHead(upstream.statusCode ?? 502, upstream.headers)
    upstream.pipe(response)
    await finished(upstream)
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
