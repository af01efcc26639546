// What a bundle is made of: output bytes per package (our workspace packages by folder, node_modules
// by package name) and the largest inputs, read from esbuild's metafile.
import type { Metafile } from 'esbuild'

export interface BundleComposition {
  /** Output bytes per package, largest first. */
  packages: Array<[name: string, bytes: number]>
  /** Output bytes per input file, largest first (paths shortened). */
  inputs: Array<[path: string, bytes: number]>
  /** Modules the bundle leaves to the runtime (`@aws-sdk/*`, `@smithy/*`, `node:*`), each once. */
  external: string[]
}

const WORKSPACE = /(?:^|\/)(packages|examples)\/([^/]+)\//
const NODE_MODULE = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/

/** The package an input belongs to: `@dynamorm/<folder>`, a node_modules package, or the path itself. */
export function packageOf(input: string): string {
  const modules = NODE_MODULE.exec(input)
  if (modules) return modules[1]!
  const workspace = WORKSPACE.exec(input)
  if (workspace) return workspace[1] === 'packages' ? `@dynamorm/${workspace[2]}` : `example:${workspace[2]}`
  return input
}

export function bundleComposition(metafile: Metafile): BundleComposition {
  const packages = new Map<string, number>()
  const inputs: Array<[string, number]> = []
  const external = new Set<string>()
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const name = packageOf(input)
      packages.set(name, (packages.get(name) ?? 0) + bytesInOutput)
      inputs.push([input.replace(/^.*node_modules\//, '').replace(/^(\.\.\/)+/, ''), bytesInOutput])
    }
    for (const { path, external: isExternal } of output.imports) if (isExternal) external.add(path)
  }
  const bySize = (a: [string, number], b: [string, number]) => b[1] - a[1]
  return { packages: [...packages].sort(bySize), inputs: inputs.sort(bySize), external: [...external].sort() }
}
