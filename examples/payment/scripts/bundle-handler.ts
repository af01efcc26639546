// esbuild bundling of a Lambda handler as Lambda runs it: ESM, node22, minified, the AWS SDK left
// external (the nodejs22.x runtime ships @aws-sdk/* and the @smithy/* packages they are built on),
// workspace packages from their TypeScript source, node:http and node:https through require().
import { build, type Metafile, type Plugin } from 'esbuild'

export interface BundleResult {
  outfile: string
  bytes: number
  metafile: Metafile
}

/**
 * An ESM `import` of node:http (Middy's util imports STATUS_CODES from it) makes Node evaluate every
 * export of the module, lazy ones included: undici's WebSocket and friends, tens of ms of init on
 * Node 22. `require()` reads only what is used. So bundled code gets node:http and node:https through
 * `createRequire`; nothing else changes.
 */
export const builtinsThroughRequire: Plugin = {
  name: 'builtins-through-require',
  setup(build) {
    build.onResolve({ filter: /^node:https?$/ }, ({ path, kind }) =>
      kind === 'import-statement' ? { path, namespace: 'required-builtin' } : undefined,
    )
    // An ESM facade with one export per name of the module, each read off the required module: the
    // bundle keeps only the names it reads, and needs none of esbuild's CommonJS interop helpers.
    build.onLoad({ filter: /.*/, namespace: 'required-builtin' }, async ({ path }) => {
      const names = Object.keys(await import(path)).filter(
        (name) => name !== 'default' && /^[A-Za-z_$][\w$]*$/.test(name),
      )
      return {
        contents: [
          "import { createRequire } from 'node:module'",
          `const builtin = createRequire(import.meta.url)(${JSON.stringify(path)})`,
          'export default builtin',
          ...names.map((name) => `export const ${name} = /* @__PURE__ */ (() => builtin.${name})()`),
        ].join('\n'),
        loader: 'js',
      }
    })
  },
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
    plugins: [builtinsThroughRequire],
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
