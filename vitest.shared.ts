// The one test configuration every package uses: real DynamoDB Local for the whole run,
// sources resolved through the "source" export condition, and a 90% line-coverage floor.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const globalSetup = fileURLToPath(new URL('./packages/testing/src/vitest-global-setup.ts', import.meta.url))

export interface PackageTestOptions {
  /** Start one DynamoDB Local for the run and provide its endpoint (default true). */
  dynamodb?: boolean
}

export function packageTestConfig(options: PackageTestOptions = {}) {
  const { dynamodb = true } = options
  return defineConfig({
    resolve: { conditions: ['source'] },
    ssr: { resolve: { conditions: ['source'] } },
    test: {
      include: ['test/**/*.test.ts'],
      globalSetup: dynamodb ? [globalSetup] : [],
      testTimeout: 30_000,
      hookTimeout: 60_000,
      typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
      coverage: {
        provider: 'v8',
        include: ['src/**/*.ts'],
        reporter: ['text-summary', 'json-summary'],
        reportsDirectory: 'coverage',
        thresholds: { lines: 90 },
      },
    },
  })
}
