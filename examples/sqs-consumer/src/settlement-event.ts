// The message body: a payment settled for a merchant. Checked before anything is written, so a
// malformed message fails alone (and reaches the dead-letter queue) instead of half-applying.
import { ValidationError } from '@dynamorm/core'
import type { SQSRecord } from 'aws-lambda'

export interface SettlementEvent {
  eventId: string
  paymentId: string
  merchantId: string
  /** Minor units. */
  amount: number
  currency: 'EUR' | 'USD' | 'GBP'
}

const CURRENCIES = new Set(['EUR', 'USD', 'GBP'])
const ID = /^[\w-]{1,64}$/

export function parseSettlementEvent(body: string): SettlementEvent {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    throw new ValidationError('The message body is not JSON')
  }
  const event = parsed as Partial<SettlementEvent> | null
  const invalid = (field: string) => new ValidationError(`The settlement event has no valid ${field}`)
  if (typeof event !== 'object' || event === null)
    throw new ValidationError('The message body is not an object')
  for (const field of ['eventId', 'paymentId', 'merchantId'] as const) {
    if (typeof event[field] !== 'string' || !ID.test(event[field])) throw invalid(field)
  }
  if (typeof event.amount !== 'number' || !Number.isSafeInteger(event.amount) || event.amount <= 0)
    throw invalid('amount')
  if (typeof event.currency !== 'string' || !CURRENCIES.has(event.currency)) throw invalid('currency')
  return {
    eventId: event.eventId as string,
    paymentId: event.paymentId as string,
    merchantId: event.merchantId as string,
    amount: event.amount,
    currency: event.currency,
  }
}

/**
 * The idempotency key of a message: the producer's `eventId` message attribute, else the body's
 * `eventId`. Never the SQS messageId: a producer that retries a send makes a new message (new id) for
 * the same event. An attribute naming another event than the body is refused before any lock: applied
 * under the attribute's key, the body's event would take that key from the event it names.
 */
export function settlementEventId(record: SQSRecord): string | undefined {
  const attribute = record.messageAttributes?.eventId?.stringValue
  const inBody = bodyEventId(record.body)
  if (attribute === undefined) return inBody
  if (attribute !== inBody)
    throw new ValidationError("The eventId message attribute does not match the body's eventId")
  return attribute
}

function bodyEventId(body: string): string | undefined {
  try {
    const id = (JSON.parse(body) as { eventId?: unknown } | null)?.eventId
    return typeof id === 'string' ? id : undefined
  } catch {
    return undefined
  }
}
