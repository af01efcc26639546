// Every ```ts block of README.md, type-checked together as one module against src: an example that
// drifts from the API fails here. (readme.test.ts runs the main ones against DynamoDB Local.)
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
const tsconfig = fileURLToPath(new URL('../tsconfig.json', import.meta.url))
// Never written to disk; placed in test/ so '@dynamorm/core' resolves to this package's src.
const examplePath = fileURLToPath(new URL('./readme-examples.virtual.ts', import.meta.url))

// What the README's examples take as given.
const givens = `
import type { InputOf, KeyOf } from '@dynamorm/core'
declare const input: InputOf<typeof Payment>
declare const inputs: InputOf<typeof Payment>[]
declare const key: KeyOf<typeof Payment>
declare const keys: KeyOf<typeof Payment>[]
declare const otherKey: KeyOf<typeof Payment>
`

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
  const program = ts.createProgram([examplePath], options, host)
  return ts
    .getPreEmitDiagnostics(program)
    .filter((diagnostic) => diagnostic.file?.fileName === examplePath)
    .map((diagnostic) => {
      const { line } = diagnostic.file!.getLineAndCharacterOfPosition(diagnostic.start ?? 0)
      const text = source.split('\n')[line]?.trim()
      return `${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')} at: ${text}`
    })
}

describe('README examples', () => {
  it('has the examples this check covers', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(9)
    expect(blocks.join('\n')).toContain('onSettled')
    expect(blocks.join('\n')).toContain('abortSignal')
  })

  it('type-check against the source, all of them together', () => {
    expect(typeErrors(`${givens}\n${blocks.join('\n')}\nexport {}\n`)).toEqual([])
  })

  it('would fail on an example that no longer matches the API', () => {
    const broken = blocks
      .join('\n')
      .replace(
        "payments.getOrThrow({ partnerId: 'p1', id: 'pay-1' })",
        "payments.getOrThrow({ partnerId: 'p1' })",
      )
      .replace('onSettled(({ committed, writes, error })', 'onSettled(({ committed, writes, failure })')
    const errors = typeErrors(`${givens}\n${broken}\nexport {}\n`)
    expect(errors.some((error) => error.includes("payments.getOrThrow({ partnerId: 'p1' })"))).toBe(true)
    expect(errors.some((error) => /failure/.test(error))).toBe(true)
  })
})
