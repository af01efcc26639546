// Entry of `pnpm demo` (wiring only; the demo is in run-demo.ts).
import { runDemo } from './run-demo.ts'

process.exitCode = await runDemo()
