import { mergeConfig } from 'vitest/config'
import { packageTestConfig } from '../../vitest.shared.ts'

// src/main.ts only wires DynamoDB Local to the demo; a test runs it as `pnpm start` would, in a
// child process, which v8 coverage of this process cannot see.
export default mergeConfig(packageTestConfig(), { test: { coverage: { exclude: ['src/main.ts'] } } })
