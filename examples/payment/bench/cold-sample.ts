// One cold start, in a fresh Node process: import the bundle (init: import to handler ready), note RSS,
// invoke the handler once. Prints one JSON line: { initMs, firstMs, rssMb, status }.
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'

const [bundle, eventJson] = process.argv.slice(2)
const started = performance.now()
const module = (await import(pathToFileURL(bundle!).href)) as {
  handler: (e: unknown, c: unknown) => Promise<any>
}
const ready = performance.now()
const rssMb = process.memoryUsage().rss / 1024 / 1024
const deadline = Date.now() + 30_000
const context = {
  awsRequestId: `cold-${process.pid}`,
  functionName: 'coldstart-bench',
  getRemainingTimeInMillis: () => deadline - Date.now(),
}
const result = await module.handler(JSON.parse(eventJson!), context)
const done = performance.now()
process.stdout.write(
  `\nSAMPLE ${JSON.stringify({ initMs: ready - started, firstMs: done - ready, rssMb, status: result?.statusCode })}\n`,
)
process.exit(0)
