// `pnpm composition`: the middleware stack bundle (bench/stack-entry.ts, bundled as Lambda gets it:
// ESM, node22, minified, @aws-sdk/* and @smithy/* external) per package and per input file, and the
// modules it leaves to the runtime. No services needed; prints BENCH lines beside the detail.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bundleComposition } from '../scripts/bundle-composition.ts'
import { bundleHandler } from '../scripts/bundle-handler.ts'

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))
const kb = (bytes: number) => (bytes / 1024).toFixed(1)
const out = mkdtempSync(join(tmpdir(), 'stack-composition-'))
try {
  const entries = { stack: here('./stack-entry.ts'), ours: here('../src/lambda/create-payment.ts') }
  for (const [name, entry] of Object.entries(entries)) {
    const bundle = await bundleHandler(entry, join(out, `${name}.mjs`))
    const { packages, inputs, external } = bundleComposition(bundle.metafile)
    console.log(`BENCH ${name === 'stack' ? 'stack' : 'handler'}-bundle-kb ${kb(bundle.bytes)} KB`)
    for (const [pkg, bytes] of packages) console.log(`  ${kb(bytes).padStart(6)} KB  ${pkg}`)
    console.log('  largest inputs:')
    for (const [input, bytes] of inputs.slice(0, 15)) console.log(`  ${kb(bytes).padStart(6)} KB  ${input}`)
    console.log(`  left to the runtime: ${external.join(' ')}`)
  }
} finally {
  rmSync(out, { recursive: true, force: true })
}
