// The one place audit errors are made: a stable name, an HTTP status, and never a payload value.
import { DynamormError } from '@dynamorm/core'

export type AuditErrorName =
  /** record() was called with something that cannot be an audit entry (a programming error). */
  | 'AuditRecordInvalidError'
  /** auditTrail()/verifyAuditChain()/a reader got options that cannot work. */
  | 'AuditOptionsInvalidError'
  /** The request's chain head moved under it; nothing was written. Safe to retry. */
  | 'AuditChainConflictError'
  /** Every chain shard of the partner is leased by another live container. Safe to retry later. */
  | 'AuditShardsExhaustedError'

const STATUS: Record<AuditErrorName, number> = {
  AuditRecordInvalidError: 500,
  AuditOptionsInvalidError: 500,
  AuditChainConflictError: 503,
  AuditShardsExhaustedError: 503,
}

export function auditError(
  name: AuditErrorName,
  message: string,
  options: { cause?: unknown; details?: Record<string, unknown> } = {},
): DynamormError {
  return new DynamormError(name, STATUS[name], message, options)
}
