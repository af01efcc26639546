// A README's ```ts blocks, type-checked together as one module against the package's own tsconfig and
// sources: an example that drifts from the API is reported with the README line it sits on.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type ts from 'typescript'

export interface ReadmeTypecheckOptions {
  /** The README to check (path or file URL). */
  readmePath: string | URL
  /** The package whose tsconfig.json the examples compile under; default: the README's folder. */
  packageDir?: string | URL
  /** Code placed before the examples: declarations of what they take as given (`declare const input: ...`). */
  givens?: string
  /** Rewrites each block before checking; a test uses it to prove a drifted example is caught. */
  transform?: (block: string, index: number) => string
}

export interface ReadmeDiagnostic {
  /** TypeScript's error code (2339 for a missing property). */
  code: number
  /** The compiler's message, on one line. */
  message: string
  /** 1-based README line the error is on; undefined when it is in `givens`. */
  line: number | undefined
  /** That line's text, trimmed. */
  text: string
}

export interface ReadmeTypecheck {
  /** The ```ts blocks found, as checked (after `transform`). */
  blocks: string[]
  /** Errors inside the examples (or givens); empty when every example matches the API. */
  diagnostics: ReadmeDiagnostic[]
}

// typescript is an optional peer: loaded only by the packages that run this check.
let compiler: Promise<typeof ts> | undefined

function loadCompiler(): Promise<typeof ts> {
  compiler ??= import('typescript').then((module) => module.default)
  return compiler
}

const FENCE = /```ts\n([\s\S]*?)```/g

function toPath(path: string | URL): string {
  return path instanceof URL ? fileURLToPath(path) : path
}

interface Block {
  code: string
  /** 1-based README line of the block's first code line. */
  readmeLine: number
}

function readmeBlocks(readme: string): Block[] {
  return [...readme.matchAll(FENCE)].map((match) => ({
    code: match[1]!,
    readmeLine: readme.slice(0, match.index).split('\n').length + 1,
  }))
}

/**
 * Type-checks every ```ts block of a README as one module (blocks joined in order, after `givens`),
 * compiled with the package's tsconfig.json from inside the package, so `import ... from '<its name>'`
 * resolves to its own sources through the `source` condition. Nothing is written to disk.
 */
export async function typecheckReadmeExamples(options: ReadmeTypecheckOptions): Promise<ReadmeTypecheck> {
  const typescript = await loadCompiler()
  const readmePath = toPath(options.readmePath)
  const packageDir = options.packageDir === undefined ? dirname(readmePath) : toPath(options.packageDir)
  const readme = typescript.sys.readFile(readmePath)
  if (readme === undefined) throw new Error(`README not found: ${readmePath}`)

  const givens = options.givens === undefined ? '' : `${options.givens}\n`
  const blocks = readmeBlocks(readme).map((block, index) => ({
    ...block,
    code: options.transform === undefined ? block.code : options.transform(block.code, index),
  }))
  // Source line (0-based) where each block starts, to map errors back to README lines.
  const starts: number[] = []
  let source = givens
  for (const block of blocks) {
    starts.push(source.split('\n').length - 1)
    source += `${block.code}\n`
  }
  source += 'export {}\n'

  // A virtual file inside the package: self-imports by package name resolve to its sources.
  const examplePath = join(packageDir, 'readme-examples.virtual.ts')
  const lines = source.split('\n')
  const raw = compile(typescript, join(packageDir, 'tsconfig.json'), examplePath, source)
  const diagnostics = raw.map(({ code, message, line }) => {
    let at: number | undefined
    for (let index = blocks.length - 1; index >= 0; index--) {
      if (line >= starts[index]!) {
        at = blocks[index]!.readmeLine + line - starts[index]!
        break
      }
    }
    return { code, message, line: at, text: lines[line]?.trim() ?? '' }
  })
  return { blocks: blocks.map((block) => block.code), diagnostics }
}

function compile(
  typescript: typeof ts,
  tsconfig: string,
  examplePath: string,
  source: string,
): Array<{ code: number; message: string; line: number }> {
  const config = typescript.getParsedCommandLineOfConfigFile(
    tsconfig,
    {},
    {
      ...typescript.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(typescript.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
      },
    },
  )!
  const compilerOptions = { ...config.options, noEmit: true }
  const host = typescript.createCompilerHost(compilerOptions)
  const { getSourceFile, fileExists, readFile } = host
  host.getSourceFile = (name, language, ...rest) =>
    name === examplePath
      ? typescript.createSourceFile(name, source, language)
      : getSourceFile.call(host, name, language, ...rest)
  host.fileExists = (name) => name === examplePath || fileExists.call(host, name)
  host.readFile = (name) => (name === examplePath ? source : readFile.call(host, name))
  return typescript
    .getPreEmitDiagnostics(typescript.createProgram([examplePath], compilerOptions, host))
    .filter((diagnostic) => diagnostic.file?.fileName === examplePath)
    .map((diagnostic) => ({
      code: diagnostic.code,
      message: typescript.flattenDiagnosticMessageText(diagnostic.messageText, ' '),
      line: diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line,
    }))
}
