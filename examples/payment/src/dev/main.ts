// Entry of `pnpm dev` (wiring only): the local services, two partners, the API on 127.0.0.1.

import { progress } from '../demo/progress.ts'
import { startLocalStack } from '../local-stack.ts'
import { curlExamples, serveLocally } from './http-server.ts'

const show = progress()
const stack = await startLocalStack({
  onProgress: show.say,
  waitFor: show.during,
  platformTablePrefix: 'platform-',
})
await stack.registerPartner('acme')
await stack.registerPartner('globex')
const server = await serveLocally(stack.api.route, Number(process.env.PORT ?? 8787))
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
