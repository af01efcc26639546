// The bench's bundle accounting: which package each esbuild input belongs to, and the totals.
import type { Metafile } from 'esbuild'
import { describe, expect, it } from 'vitest'
import { bundleComposition, packageOf } from '../scripts/bundle-composition.ts'

describe('bundle composition', () => {
  it('names workspace packages by folder and node_modules by package, scoped or not', () => {
    expect(packageOf('../../packages/audit/src/audit-trail.ts')).toBe('@dynamorm/audit')
    expect(packageOf('../../node_modules/.pnpm/@middy+core@7.9.2/node_modules/@middy/core/index.js')).toBe(
      '@middy/core',
    )
    expect(packageOf('node_modules/left-pad/index.js')).toBe('left-pad')
    expect(packageOf('../sqs-consumer/src/consumer.ts')).toBe('../sqs-consumer/src/consumer.ts')
    expect(packageOf('src/payment-api.ts')).toBe('src/payment-api.ts')
  })

  it('sums bytes per package, largest first, and lists each external module once', () => {
    const metafile = {
      inputs: {},
      outputs: {
        'out.mjs': {
          bytes: 600,
          entryPoint: 'entry.ts',
          exports: [],
          imports: [
            { path: '@aws-sdk/client-dynamodb', kind: 'import-statement', external: true },
            { path: '@aws-sdk/client-dynamodb', kind: 'import-statement', external: true },
            { path: 'node:crypto', kind: 'dynamic-import', external: true },
            { path: 'chunk.mjs', kind: 'import-statement' },
          ],
          inputs: {
            '../../packages/core/src/db.ts': { bytesInOutput: 100 },
            '../../packages/core/src/marshall.ts': { bytesInOutput: 150 },
            '../../packages/audit/src/audit-trail.ts': { bytesInOutput: 300 },
            'entry.ts': { bytesInOutput: 0 },
          },
        },
      },
    } as unknown as Metafile
    const { packages, inputs, external } = bundleComposition(metafile)
    expect(packages).toEqual([
      ['@dynamorm/audit', 300],
      ['@dynamorm/core', 250],
      ['entry.ts', 0],
    ])
    expect(inputs[0]).toEqual(['packages/audit/src/audit-trail.ts', 300])
    expect(external).toEqual(['@aws-sdk/client-dynamodb', 'node:crypto'])
  })
})
