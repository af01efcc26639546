// The one place the payment service makes its own errors: typed DynamormErrors with a stable name and
// an HTTP status. Messages name fields, never the values a caller sent (they may be card data).
import { DynamormError } from '@dynamorm/core'

export type PaymentErrorName =
  | 'PaymentRequestInvalidError'
  | 'PaymentNotFoundError'
  | 'PaymentStateError'
  | 'RefundExceedsCapturedError'
  | 'CaptureExceedsAuthorizedError'
  | 'RouteNotFoundError'
  | 'PaymentConflictError'

const statuses: Record<PaymentErrorName, number> = {
  PaymentRequestInvalidError: 400,
  PaymentNotFoundError: 404,
  RouteNotFoundError: 404,
  PaymentStateError: 409,
  PaymentConflictError: 412,
  RefundExceedsCapturedError: 422,
  CaptureExceedsAuthorizedError: 422,
}

export function paymentError(
  name: PaymentErrorName,
  message: string,
  options: { cause?: unknown; details?: Record<string, unknown> } = {},
): DynamormError {
  return new DynamormError(name, statuses[name], message, options)
}
