import { mergeConfig } from 'vitest/config'
import { packageTestConfig } from '../../vitest.shared.ts'

// Type tests check src and test only; the benchmarks are type-checked by the typecheck task.
export default mergeConfig(packageTestConfig(), {
  test: { typecheck: { tsconfig: './tsconfig.vitest.json' } },
})
