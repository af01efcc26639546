// esbuild bundling of a Lambda handler as Lambda runs it: ESM, node22, minified, the AWS SDK left
// external (the nodejs22.x runtime ships @aws-sdk/* and the @smithy/* packages they are built on),
// workspace packages from their TypeScript source.
import { build, type Metafile } from 'esbuild'

export interface BundleResult {
  outfile: string
  bytes: number
  metafile: Metafile
}

export async function bundleHandler(entry: string, outfile: string): Promise<BundleResult> {
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    conditions: ['source'],
    external: ['@aws-sdk/*', '@smithy/*'],
    metafile: true,
    logLevel: 'warning',
    // Some CommonJS dependencies call require(); ESM bundles need it made.
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  })
  const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0)
  return { outfile, bytes, metafile: result.metafile }
}

/** Bytes of the bundle that come from inputs matching `pattern` (e.g. one package). */
export function bytesFrom(metafile: Metafile, pattern: RegExp): number {
  let bytes = 0
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, info] of Object.entries(output.inputs))
      if (pattern.test(input)) bytes += info.bytesInOutput
  }
  return bytes
}
