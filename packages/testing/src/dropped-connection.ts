import type { IncomingMessage } from 'node:http'

/** Simulates a network failure: the socket is destroyed and no response is ever written. */
export function dropConnection(request: IncomingMessage): void {
  request.socket.destroy()
}
