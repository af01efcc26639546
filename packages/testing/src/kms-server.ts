import type { IncomingMessage, ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { createCallCounter } from './call-counter.ts'
import { dropConnection } from './dropped-connection.ts'
import { createFaultSchedule, type FaultInjector } from './fault-injector.ts'
import { KmsError, kmsErrors } from './kms-error.ts'
import type { KmsKey } from './kms-key.ts'
import { createKmsKeyStore } from './kms-key-store.ts'
import { kmsOperations } from './kms-operations.ts'
import { startLoopbackHttpServer } from './loopback-http-server.ts'

export interface StartKmsServerOptions {
  keys?: KmsKey[]
}

export interface KmsServer {
  endpoint: string
  /** Requests received for this operation (e.g. 'Decrypt'), any outcome; all requests when omitted. */
  calls(operation?: string): number
  addKey(key: KmsKey): void
  disableKey(keyId: string): void
  enableKey(keyId: string): void
  faults: FaultInjector
  close(): Promise<void>
}

const targetPrefix = 'TrentService.'
const contentType = 'application/x-amz-json-1.1'

/**
 * A loopback KMS speaking JSON 1.1 (GenerateDataKey, GenerateDataKeyWithoutPlaintext, Encrypt,
 * Decrypt, ReEncrypt, DescribeKey) with real AES-256-GCM, for the real `KMSClient`. A KeyId may be a
 * key id, key ARN, alias name or alias ARN; Decrypt (and ReEncrypt's SourceKeyId) naming another key
 * than the blob's answers IncorrectKeyException (400), as KMS does; an ARN finds a key or alias only in
 * its own account and the server's region (else NotFoundException). Unlike KMS, a bare key id or alias
 * name is not tied to the caller's account, and there are no key policies: any caller may use any key.
 */
export async function startKmsServer(options: StartKmsServerOptions = {}): Promise<KmsServer> {
  const store = createKmsKeyStore()
  for (const key of options.keys ?? []) store.add(key)
  const counter = createCallCounter()
  const faults = createFaultSchedule()

  const handle = async (request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<void> => {
    const target = String(request.headers['x-amz-target'] ?? '')
    const operationName = target.startsWith(targetPrefix) ? target.slice(targetPrefix.length) : target
    counter.record(operationName)
    const decision = faults.next(operationName)
    if (decision.latencyMs > 0) await sleep(decision.latencyMs)
    if (decision.action === 'drop') return dropConnection(request)
    try {
      if (decision.action === 'throttle') throw kmsErrors.throttling()
      if (decision.action === 'serverError') throw kmsErrors.internal()
      const operation = Object.hasOwn(kmsOperations, operationName) ? kmsOperations[operationName] : undefined
      if (!operation || !target.startsWith(targetPrefix)) throw kmsErrors.unknownOperation(target)
      const output = operation(store, parseInput(body))
      response.writeHead(200, { 'content-type': contentType })
      response.end(JSON.stringify(output))
    } catch (error) {
      if (!(error instanceof KmsError)) throw error
      response.writeHead(error.status, { 'content-type': contentType })
      response.end(JSON.stringify({ __type: error.type, message: error.message }))
    }
  }

  const server = await startLoopbackHttpServer(handle)
  return {
    endpoint: server.endpoint,
    calls: (operation) => counter.count(operation),
    addKey: (key) => store.add(key),
    disableKey: (keyId) => store.setEnabled(keyId, false),
    enableKey: (keyId) => store.setEnabled(keyId, true),
    faults,
    close: server.close,
  }
}

function parseInput(body: Buffer): Record<string, unknown> {
  try {
    const input: unknown = JSON.parse(body.toString('utf8') || '{}')
    if (typeof input === 'object' && input !== null && !Array.isArray(input))
      return input as Record<string, unknown>
  } catch {
    // Reported below.
  }
  throw kmsErrors.serialization('Request body is not a JSON object')
}
