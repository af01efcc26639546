// The core guide's ```ts blocks (docs/guides/core.md), type-checked together against core's sources with
// @dynamorm/testing's typecheckReadmeExamples, as the packages check their READMEs: docs/ is not part of
// any package, so its examples drift unseen otherwise. Only this guide: its imports (@dynamorm/core,
// @dynamorm/testing) are the ones this example can resolve.
import { typecheckReadmeExamples } from '@dynamorm/testing'
import { describe, expect, it } from 'vitest'

const readmePath = new URL('../../../docs/guides/core.md', import.meta.url)
const packageDir = new URL('..', import.meta.url)

// What the guide's later blocks take as given (the first block defines Payment and payments).
const givens = `
import type { InputOf, KeyOf } from '@dynamorm/core'
declare const input: InputOf<typeof Payment>
declare const inputs: InputOf<typeof Payment>[]
declare const key: KeyOf<typeof Payment>
declare const keys: KeyOf<typeof Payment>[]
`

describe('docs/guides/core.md examples', () => {
  it('type-check against the source, all of them together', async () => {
    const { blocks, diagnostics } = await typecheckReadmeExamples({ readmePath, packageDir, givens })
    expect(blocks.length).toBe(3)
    expect(blocks.join('\n')).toContain('overwrite: true')
    expect(diagnostics).toEqual([])
  })

  it('would fail on an example that no longer matches the API', async () => {
    const { diagnostics } = await typecheckReadmeExamples({
      readmePath,
      packageDir,
      givens,
      transform: (block) =>
        block.replace('onSettled(({ committed, writes, error })', 'onSettled(({ committed, failure })'),
    })
    expect(diagnostics.some(({ message, text }) => /failure/.test(`${message} ${text}`))).toBe(true)
  })
})
