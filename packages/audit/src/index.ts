export { canonicalJson } from '@dynamorm/core'
export type { AuditEntry, AuditEntryContent, AuditOutcome, AuditRecordInput } from './audit-entry.ts'
export type { AuditErrorName } from './audit-error.ts'
export type {
  AuditReadOptions,
  EntityHistoryOptions,
  ExportOptions,
  TimeRangeOptions,
} from './audit-readers.ts'
export { entityHistory, entriesBetween, exportJsonLines } from './audit-readers.ts'
export type { AuditRecorder, AuditTrailContext, AuditTrailOptions } from './audit-trail.ts'
export { auditTrail, defaults as auditTrailDefaults } from './audit-trail.ts'
export { chainHash } from './chain-hash.ts'
export type {
  ChainProblem,
  ChainProblemKind,
  ChainVerification,
  VerifyAuditChainOptions,
} from './chain-verifier.ts'
export { verifyAuditChain } from './chain-verifier.ts'
export type { ChangeSet, FieldChange } from './change-diff.ts'
export { REDACTED } from './redaction.ts'
export { auditTableDefinition, ENTITY_INDEX, PARTNER_TIME_INDEX } from './table-layout.ts'
