// The vitest global setup as users outside this repository reach it: through the package's exports
// map (`@dynamorm/testing/vitest-global-setup`), not a file path into src.
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { ListTablesCommand } from '@aws-sdk/client-dynamodb'
import { describe, expect, it } from 'vitest'
import type { TestProject } from 'vitest/node'
import { localDynamoClient } from '../src/index.ts'

const packageRoot = fileURLToPath(new URL('..', import.meta.url))
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, { source: string; types: string; default: string }>
}

/** How Node itself resolves a specifier from inside the package (self-reference through `exports`). */
async function nodeResolve(specifier: string, conditions: string[] = []): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      ...conditions.map((condition) => `--conditions=${condition}`),
      '--input-type=module',
      '-e',
      `console.log(import.meta.resolve(${JSON.stringify(specifier)}))`,
    ],
    { cwd: packageRoot },
  )
  return fileURLToPath(stdout.trim())
}

describe('exports map', () => {
  it('maps every entry to a source file and to what tsconfig.build.json emits for it', () => {
    expect(Object.keys(manifest.exports)).toEqual(['.', './vitest-global-setup'])
    for (const target of Object.values(manifest.exports)) {
      expect(existsSync(new URL(`../${target.source}`, import.meta.url))).toBe(true)
      // tsc with rootDir src and outDir dist: src/x.ts -> dist/x.js and dist/x.d.ts.
      const built = target.source.replace(/^\.\/src\//, './dist/').replace(/\.ts$/, '')
      expect(target.default).toBe(`${built}.js`)
      expect(target.types).toBe(`${built}.d.ts`)
    }
  })

  it('resolves the global setup to the build for users and to the source inside this repository', async () => {
    expect(await nodeResolve('@dynamorm/testing/vitest-global-setup')).toBe(
      `${packageRoot}dist/vitest-global-setup.js`,
    )
    expect(await nodeResolve('@dynamorm/testing/vitest-global-setup', ['source'])).toBe(
      `${packageRoot}src/vitest-global-setup.ts`,
    )
  })

  it('exports nothing else: an internal file is not reachable by a subpath', async () => {
    const error = await nodeResolve('@dynamorm/testing/src/dynamo-db-local.ts').then(
      () => undefined,
      (failure: Error) => failure,
    )
    expect(error?.message).toMatch(/ERR_PACKAGE_PATH_NOT_EXPORTED/)
  })
})

describe('the exported global setup', () => {
  it('starts one DynamoDB Local, provides its endpoint and stops it in the teardown it returns', async () => {
    const { default: setup } = await import('@dynamorm/testing/vitest-global-setup')
    const provided = new Map<string, unknown>()
    const project = { provide: (key: string, value: unknown) => provided.set(key, value) }
    const teardown = await setup(project as unknown as TestProject)
    const endpoint = provided.get('dynamoEndpoint')
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const client = localDynamoClient(endpoint as string, { maxAttempts: 1 })
    try {
      expect(await client.send(new ListTablesCommand({}))).toMatchObject({ TableNames: [] })
    } finally {
      await teardown()
    }
    await expect(client.send(new ListTablesCommand({}))).rejects.toThrow()
    client.destroy()
  })
})
