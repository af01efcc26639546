// Types what the global setup provides, so tests get `inject('dynamoEndpoint')` as a string.
// A type-only import: it makes this file a module (so the block below augments 'vitest') and
// pulls in no runtime code, because importing vitest outside a test run throws.
import type {} from 'vitest'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Endpoint of the DynamoDB Local started once for the whole test run. */
    dynamoEndpoint: string
  }
}
