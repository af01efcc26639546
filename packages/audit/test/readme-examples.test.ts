// The README's ```ts blocks, type-checked together as one module against src by @dynamorm/testing's
// typecheckReadmeExamples: an example that drifts from the API fails here.
import { typecheckReadmeExamples } from '@dynamorm/testing'
import { describe, expect, it } from 'vitest'

const readmePath = new URL('../README.md', import.meta.url)

// A whole TypeScript program per check: seconds alone, far longer on a loaded 2-core machine.
const TYPECHECK_TIMEOUT_MS = 120_000

describe('README examples', { timeout: TYPECHECK_TIMEOUT_MS }, () => {
  it('type-check against the source, the handler example among them', async () => {
    const { blocks, diagnostics } = await typecheckReadmeExamples({ readmePath })
    expect(blocks.join('\n')).toContain('.use(auditTrail(')
    expect(diagnostics).toEqual([])
  })

  it('would fail on an example that no longer matches the API', async () => {
    const { blocks, diagnostics } = await typecheckReadmeExamples({
      readmePath,
      transform: (block) => block.replace('context.audit.record(', 'context.audit.log('),
    })
    expect(blocks.join('\n')).toContain('context.audit.log(')
    expect(diagnostics.some(({ message }) => message.includes("Property 'log' does not exist"))).toBe(true)
  })
})
