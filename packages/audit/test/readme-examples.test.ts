// The README's ```ts blocks, type-checked together as one module against src (core's
// test/readme-examples.test.ts does the same; the helper belongs in @dynamorm/testing). An example
// that drifts from the API fails here.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
const tsconfig = fileURLToPath(new URL('../tsconfig.json', import.meta.url))
// Never written to disk; placed in test/ so '@dynamorm/audit' resolves to this package's src.
const examplePath = fileURLToPath(new URL('./readme-examples.virtual.ts', import.meta.url))
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!)

function typeErrors(source: string): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    tsconfig,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
      },
    },
  )!
  const options = { ...config.options, noEmit: true }
  const host = ts.createCompilerHost(options)
  const { getSourceFile, fileExists, readFile } = host
  host.getSourceFile = (name, language, ...rest) =>
    name === examplePath
      ? ts.createSourceFile(name, source, language)
      : getSourceFile.call(host, name, language, ...rest)
  host.fileExists = (name) => name === examplePath || fileExists.call(host, name)
  host.readFile = (name) => (name === examplePath ? source : readFile.call(host, name))
  return ts
    .getPreEmitDiagnostics(ts.createProgram([examplePath], options, host))
    .filter((diagnostic) => diagnostic.file?.fileName === examplePath)
    .map((diagnostic) => {
      const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0)
      return `${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')} at: ${source.split('\n')[line]?.trim()}`
    })
}

describe('README examples', () => {
  it('has the handler example', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(1)
    expect(blocks.join('\n')).toContain('.use(auditTrail(')
  })

  it('type-check against the source', () => {
    expect(typeErrors(`${blocks.join('\n')}\nexport {}\n`)).toEqual([])
  })

  it('would fail on an example that no longer matches the API', () => {
    const broken = blocks.join('\n').replace('context.audit.record(', 'context.audit.log(')
    expect(broken).not.toBe(blocks.join('\n'))
    expect(
      typeErrors(`${broken}\nexport {}\n`).some((error) => error.includes("Property 'log' does not exist")),
    ).toBe(true)
  })
})
