export { COMPLETION_LABEL, RELEASE_LABEL } from './completion.ts'
export type { IdempotencyContext, IdempotencyRequest, OptionalIdempotencyContext } from './context.ts'
export {
  IdempotencyConfigurationError,
  IdempotencyInFlightError,
  IdempotencyKeyInvalidError,
  IdempotencyKeyMissingError,
  IdempotencyLeaseLostError,
  IdempotencyOutcomeUnknownError,
  IdempotencyPayloadInvalidError,
  IdempotencyPayloadMismatchError,
  IdempotencyResponseNotStorableError,
} from './errors.ts'
export { canonicalJson, fingerprint } from './fingerprint.ts'
export { defaults, idempotency } from './idempotency.ts'
export type { IdempotencyOptions, Reconciliation } from './options.ts'
export type { IdempotencyRecord, RecordStatus } from './record.ts'
export { REPLAYED_HEADER } from './replay.ts'
