// One cold start, in a fresh Node process: import the bundle (init: import to the runtime's first request
// for an event), note RSS,
// invoke the handler once. Prints one JSON line: { initMs, firstMs, rssMb, status }.
import { performance } from 'node:perf_hooks'
import { pathToFileURL } from 'node:url'

const [bundle, eventJson] = process.argv.slice(2)
const started = performance.now()
const module = (await import(pathToFileURL(bundle!).href)) as {
  handler: (e: unknown, c: unknown) => Promise<any>
}
// Lambda's Node runtime asks for the first event from a setImmediate scheduled once the handler module
// has loaded: whatever init left pending (promise chains, a warm-up's first steps) runs before it, and
// is part of the Init Duration. So init ends here, at that same point, not when the import settles.
await new Promise((resolve) => setImmediate(resolve))
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
