// Entry of `pnpm dev` (wiring only): the local services, two partners, the API on 127.0.0.1.

import { progress } from '../demo/progress.ts'
import { startLocalStack } from '../local-stack.ts'
import { curlExamples, type DevServer, serveLocally } from './http-server.ts'

const show = progress()
const stack = await startLocalStack({
  onProgress: show.say,
  waitFor: show.during,
  platformTablePrefix: 'platform-',
})
await stack.registerPartner('acme')
await stack.registerPartner('globex')
const port = Number(process.env.PORT ?? 8787)
let server: DevServer
try {
  server = await serveLocally(stack.api.route, port)
} catch (error) {
  // One line instead of Node's dump, and nothing left running.
  console.error(
    (error as { code?: string }).code === 'EADDRINUSE'
      ? `Port ${port} is already in use on 127.0.0.1: choose another with PORT=<port> pnpm dev`
      : `Cannot serve on port ${process.env.PORT ?? 8787}: ${(error as Error).message}`,
  )
  await stack.stop()
  console.log('stopped')
  process.exit(1)
}
console.log(
  `\nPayment API on ${server.url} (local only: 'Bearer <partnerId>' stands in for a verified JWT)\n`,
)
for (const line of curlExamples(server.url, 'acme')) console.log(line)
console.log(
  `\nAudit report: pnpm --filter @dynamorm/example-payment audit-report -- --partner acme --endpoint ${stack.dynamoEndpoint}`,
)
console.log('Ctrl-C stops everything.')

let stopping = false
const stop = async () => {
  if (stopping) return
  stopping = true
  await server.close()
  await stack.stop()
  console.log('stopped')
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
