// The Idempotency-Key is stored in clear (the idempotency record's key, for its whole lifetime), so a
// client keying its requests by card number would put the number in plaintext at rest (PCI DSS).
// Runs before idempotency(), so a refused key takes no lock and is written nowhere.
import type { MiddlewareObj } from '@middy/core'
import { holdsCardNumber } from './card-number-in-text.ts'
import type { PaymentEvent } from './payment-context.ts'
import { paymentError } from './payment-error.ts'

const HEADER = 'idempotency-key'

export function idempotencyKeyCheck(): MiddlewareObj<PaymentEvent> {
  const idempotencyKeyCheckBefore = (request: { event: PaymentEvent }): void => {
    // HTTP API lowercases header names; any other spelling is checked all the same.
    for (const [name, value] of Object.entries(request.event.headers ?? {})) {
      if (name.toLowerCase() === HEADER && value !== undefined && holdsCardNumber(value)) {
        throw paymentError(
          'PaymentRequestInvalidError',
          'Invalid request: Idempotency-Key must not hold a card number',
        )
      }
    }
  }
  return { before: idempotencyKeyCheckBefore }
}
