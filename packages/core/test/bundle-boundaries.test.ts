// Middlewares import Db but no model: their bundles must not carry the model operations, which a
// handler pays for only when it defines a model.
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'

const indexPath = fileURLToPath(new URL('../src/index.ts', import.meta.url))

async function bundledInputs(exports: string): Promise<string[]> {
  const result = await build({
    stdin: { contents: `export { ${exports} } from ${JSON.stringify(indexPath)}`, resolveDir: process.cwd() },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    external: ['@aws-sdk/*'],
    write: false,
    metafile: true,
    logLevel: 'silent',
  })
  // Inputs that contribute bytes to the output (the metafile's inputs also list what was shaken out).
  return Object.values(result.metafile.outputs).flatMap((output) =>
    Object.entries(output.inputs)
      .filter(([, info]) => info.bytesInOutput > 0)
      .map(([input]) => input),
  )
}

describe('bundle boundaries', () => {
  it('createDb alone leaves models, expressions and operations out', async () => {
    const inputs = await bundledInputs('createDb')
    expect(inputs.some((input) => input.endsWith('src/db.ts'))).toBe(true)
    // operations/retry.ts is the backoff the unit of work's conflict retry shares with batches.
    const modelLayer = inputs.filter(
      (input) =>
        /src\/(entity|model|define-model|attributes|cursor)\.ts$|src\/(operations|expressions)\//.test(
          input,
        ) && !input.endsWith('operations/retry.ts'),
    )
    expect(modelLayer).toEqual([])
  })

  it('defineModel brings the operations that db.model() binds', async () => {
    const inputs = await bundledInputs('createDb, defineModel')
    expect(inputs.some((input) => input.endsWith('src/entity.ts'))).toBe(true)
    expect(inputs.some((input) => input.endsWith('src/operations/update.ts'))).toBe(true)
  })
})
