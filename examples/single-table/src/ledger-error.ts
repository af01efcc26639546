// The example's one error helper: refusals of the ledger's own rules, typed like DynamORM's errors
// (a stable name and an HTTP status) so a handler maps them the same way.
import { DynamormError } from '@dynamorm/core'

export type LedgerErrorName = 'RefundNotAllowedError' | 'RefundExceedsPaymentError'

const statuses: Record<LedgerErrorName, number> = {
  RefundNotAllowedError: 409,
  RefundExceedsPaymentError: 422,
}

export function ledgerError(
  name: LedgerErrorName,
  message: string,
  details: Record<string, unknown> = {},
): DynamormError {
  return new DynamormError(name, statuses[name], message, { details })
}
