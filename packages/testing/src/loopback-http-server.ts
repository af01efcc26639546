import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export type LoopbackRequestHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  body: Buffer,
) => Promise<void> | void

export interface LoopbackHttpServer {
  endpoint: string
  port: number
  close(): Promise<void>
}

/**
 * An HTTP server on 127.0.0.1 with a random port that hands each request its full body.
 * close() also ends kept-alive SDK sockets, so closing never waits on idle clients.
 */
export async function startLoopbackHttpServer(handle: LoopbackRequestHandler): Promise<LoopbackHttpServer> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      Promise.resolve(handle(request, response, Buffer.concat(chunks))).catch((error: unknown) => {
        if (!response.headersSent) {
          response.writeHead(500, { 'content-type': 'text/plain' })
        }
        response.end(error instanceof Error ? error.message : String(error))
      })
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  // A forgotten close() must not keep the test process alive.
  server.unref()
  const { port } = server.address() as AddressInfo
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
