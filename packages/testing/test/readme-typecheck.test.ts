// typecheckReadmeExamples against a fixture package (a README that matches its API,
// one that drifted).
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { typecheckReadmeExamples } from '../src/index.ts'

const fixture = new URL('./fixtures/readme-package/', import.meta.url)
const givens = 'declare const partnerId: string'

// A whole TypeScript program per check: seconds alone, far longer on a loaded 2-core machine.
const TYPECHECK_TIMEOUT_MS = 120_000

describe('typecheckReadmeExamples', { timeout: TYPECHECK_TIMEOUT_MS }, () => {
  it('passes a README whose ts blocks match the API, given what they take as given', async () => {
    const result = await typecheckReadmeExamples({ readmePath: new URL('README.md', fixture), givens })
    expect(result.diagnostics).toEqual([])
    // Only ```ts blocks: the ```sh one is not TypeScript.
    expect(result.blocks).toEqual([
      "import { authorize } from '@dynamorm/readme-fixture'\n\nconst authorization = authorize('pay-1', 1250)\n",
      'console.log(authorization.amount, authorization.paymentId, partnerId)\n',
    ])
  })

  it('reports what a README leaves undeclared on the README line it sits on', async () => {
    const { diagnostics } = await typecheckReadmeExamples({ readmePath: new URL('README.md', fixture) })
    expect(diagnostics).toEqual([
      {
        code: 2304,
        message: "Cannot find name 'partnerId'.",
        line: 16,
        text: 'console.log(authorization.amount, authorization.paymentId, partnerId)',
      },
    ])
  })

  it('reports every error of a drifted example with its README line', async () => {
    const { diagnostics } = await typecheckReadmeExamples({
      readmePath: fileURLToPath(new URL('DRIFTED.md', fixture)),
      packageDir: fileURLToPath(fixture),
    })
    expect(diagnostics.map(({ code, line }) => ({ code, line }))).toEqual([
      { code: 2345, line: 6 },
      { code: 2339, line: 7 },
    ])
    expect(diagnostics[0]?.message).toContain("'string' is not assignable to parameter of type 'number'")
    expect(diagnostics[1]?.message).toBe("Property 'currency' does not exist on type 'Authorization'.")
    expect(diagnostics[1]?.text).toBe('console.log(authorization.currency)')
  })

  it('checks the blocks as rewritten by transform, so a test can prove drift is caught', async () => {
    const { blocks, diagnostics } = await typecheckReadmeExamples({
      readmePath: new URL('README.md', fixture),
      givens,
      transform: (block, index) => (index === 1 ? block.replace('.paymentId', '.partnerRef') : block),
    })
    expect(blocks[1]).toContain('authorization.partnerRef')
    expect(diagnostics).toHaveLength(1)
    expect(diagnostics[0]).toMatchObject({ code: 2339, line: 16 })
    expect(diagnostics[0]?.message).toContain("Property 'partnerRef' does not exist")
  })

  it('reports an error in the givens without a README line', async () => {
    const { diagnostics } = await typecheckReadmeExamples({
      readmePath: new URL('README.md', fixture),
      givens: `${givens}\nconst broken: number = 'one'`,
    })
    expect(diagnostics).toMatchObject([{ code: 2322, line: undefined, text: "const broken: number = 'one'" }])
  })

  it('refuses a missing README or a folder without a tsconfig.json', async () => {
    await expect(typecheckReadmeExamples({ readmePath: new URL('MISSING.md', fixture) })).rejects.toThrow(
      /README not found: .*MISSING\.md/,
    )
    await expect(
      typecheckReadmeExamples({
        readmePath: new URL('README.md', fixture),
        packageDir: new URL('./fixtures/readme-package/src/', import.meta.url),
      }),
    ).rejects.toThrow(/tsconfig\.json/)
  })
})
