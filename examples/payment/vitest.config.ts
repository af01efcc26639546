import { mergeConfig } from 'vitest/config'
import { packageTestConfig } from '../../vitest.shared.ts'

// Entry files that only wire things (process.env, signals, exit codes) are left out of coverage; the
// functions they call are tested.
export default mergeConfig(packageTestConfig(), {
  test: {
    coverage: {
      exclude: [
        'src/demo/main.ts',
        'src/dev/main.ts',
        'src/lambda/payment-api.ts',
        'src/lambda/create-payment.ts',
      ],
    },
  },
})
