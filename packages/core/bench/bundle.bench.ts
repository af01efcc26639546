// The same small handler (a put and a filtered query) written with core, ElectroDB and
// dynamodb-toolbox, bundled and minified by esbuild with the AWS SDK external, as a Lambda ships it.
// Prints `BENCH <side>-bundle-kb <n> KB`; sizes are measured on every run.
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build, type Metafile } from 'esbuild'

interface BundledSide {
  entry: string
  /** A path fragment every input file of the library itself has: proves the library was bundled. */
  library: string
}

const sides: Record<string, BundledSide> = {
  core: { entry: 'core-handler.ts', library: 'packages/core/src/' },
  electrodb: { entry: 'electrodb-handler.ts', library: 'node_modules/electrodb/' },
  toolbox: { entry: 'toolbox-handler.ts', library: 'node_modules/dynamodb-toolbox/' },
}

const entries = fileURLToPath(new URL('./bundle-entries/', import.meta.url))
// Paths in esbuild's metafile are relative to this: the repository root.
const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url))
const kb = (bytes: number): string => (bytes / 1024).toFixed(1)

/** Library files that reached the bundle, largest first (bytes each adds to the output). */
function contributors(metafile: Metafile, library: string): [string, number][] {
  const output = Object.values(metafile.outputs)[0]!
  return Object.entries(output.inputs)
    .filter(([path]) => path.includes(library))
    .map(([path, input]): [string, number] => [
      path.slice(path.indexOf(library) + library.length),
      input.bytesInOutput,
    ])
    .sort((a, b) => b[1] - a[1])
}

async function bundle(name: string, side: BundledSide): Promise<number> {
  const result = await build({
    entryPoints: [entries + side.entry],
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    external: ['@aws-sdk/*', '@smithy/*'],
    conditions: ['source'],
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: repositoryRoot,
  })
  assert.equal(result.errors.length, 0, `${name}: esbuild errors`)
  assert.equal(result.outputFiles.length, 1, `${name}: one output file`)
  const code = result.outputFiles[0]!.contents
  const output = Object.values(result.metafile.outputs)[0]!
  // A bundle that lost its library, or swallowed the SDK, would be measured wrongly: check both.
  const libraryFiles = contributors(result.metafile, side.library)
  assert.ok(libraryFiles.length > 0, `${name}: the library is in the bundle`)
  const bundledSdk = Object.keys(result.metafile.inputs).filter((path) =>
    /node_modules\/@(aws-sdk|smithy)\//.test(path),
  )
  assert.deepEqual(bundledSdk, [], `${name}: the AWS SDK stays external`)
  assert.ok(
    output.imports.some((imported) => imported.external && imported.path === '@aws-sdk/client-dynamodb'),
    `${name}: imports the DynamoDB client at run time`,
  )
  assert.ok(output.exports.includes('handler'), `${name}: exports the handler`)

  console.log(`BENCH ${name}-bundle-kb ${kb(code.byteLength)} KB`)
  const largest = libraryFiles
    .slice(0, 3)
    .map(([path, bytes]) => `${path} ${kb(bytes)} KB`)
    .join(', ')
  console.log(
    `# ${name}: ${kb(gzipSync(code).byteLength)} KB gzipped, ${libraryFiles.length} library files; largest: ${largest}`,
  )
  // esbuild turns a CommonJS library's require() of an external into a shim that throws under ESM.
  if (new TextDecoder().decode(code).includes('Dynamic require of')) {
    console.log(`# ${name}: CommonJS inside; as ESM it runs only with a createRequire banner (not counted)`)
  }
  if (result.warnings.length > 0) {
    console.log(`# ${name}: esbuild warnings: ${result.warnings.map((warning) => warning.text).join('; ')}`)
  }
  return code.byteLength
}

const sizes = new Map<string, number>()
for (const [name, side] of Object.entries(sides)) sizes.set(name, await bundle(name, side))
for (const peer of ['electrodb', 'toolbox']) {
  console.log(
    `# core bundle is ${(sizes.get(peer)! / sizes.get('core')!).toFixed(2)}x smaller than ${peer}'s`,
  )
}
