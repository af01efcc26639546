// Every ```ts block of README.md, type-checked together as one module against src by @dynamorm/testing's
// typecheckReadmeExamples: an example that drifts from the API fails here. (readme.test.ts runs the main
// ones against DynamoDB Local.)
import { typecheckReadmeExamples } from '@dynamorm/testing'
import { describe, expect, it } from 'vitest'

const readmePath = new URL('../README.md', import.meta.url)

// What the README's examples take as given.
const givens = `
import type { InputOf, KeyOf } from '@dynamorm/core'
declare const input: InputOf<typeof Payment>
declare const inputs: InputOf<typeof Payment>[]
declare const key: KeyOf<typeof Payment>
declare const keys: KeyOf<typeof Payment>[]
declare const otherKey: KeyOf<typeof Payment>
`

// A whole TypeScript program per check: seconds alone, far longer on a loaded 2-core machine.
const TYPECHECK_TIMEOUT_MS = 120_000

describe('README examples', { timeout: TYPECHECK_TIMEOUT_MS }, () => {
  it('type-check against the source, all of them together', async () => {
    const { blocks, diagnostics } = await typecheckReadmeExamples({ readmePath, givens })
    // The examples this check covers.
    expect(blocks.length).toBeGreaterThanOrEqual(9)
    expect(blocks.join('\n')).toContain('onSettled')
    expect(blocks.join('\n')).toContain('abortSignal')
    expect(diagnostics).toEqual([])
  })

  it('would fail on an example that no longer matches the API', async () => {
    const { diagnostics } = await typecheckReadmeExamples({
      readmePath,
      givens,
      transform: (block) =>
        block
          .replace(
            "payments.getOrThrow({ partnerId: 'p1', id: 'pay-1' })",
            "payments.getOrThrow({ partnerId: 'p1' })",
          )
          .replace('onSettled(({ committed, writes, error })', 'onSettled(({ committed, writes, failure })'),
    })
    expect(diagnostics.some(({ text }) => text.includes("payments.getOrThrow({ partnerId: 'p1' })"))).toBe(
      true,
    )
    expect(diagnostics.some(({ message, text }) => /failure/.test(`${message} ${text}`))).toBe(true)
  })
})

// docs/guides/core.md belongs to no package, so this package checks its examples too, with the same givens.
describe('docs/guides/core.md examples', { timeout: TYPECHECK_TIMEOUT_MS }, () => {
  it('type-check against the source, all of them together', async () => {
    const guidePath = new URL('../../../docs/guides/core.md', import.meta.url)
    const packageDir = new URL('..', import.meta.url)
    const { blocks, diagnostics } = await typecheckReadmeExamples({
      readmePath: guidePath,
      packageDir,
      givens,
    })
    expect(blocks.length).toBeGreaterThanOrEqual(3)
    expect(blocks.join('\n')).toContain('overwrite: true')
    expect(diagnostics).toEqual([])
  })
})
