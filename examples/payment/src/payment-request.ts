// Hand-written validation of the routes' input: small, explicit, and careful never to echo a value
// back (a bad card number must not come back in an error message or a log line).
import type { DynamormError } from '@dynamorm/core'
import { cardBrand, normaliseCardNumber } from './card.ts'
import { holdsCardNumber } from './card-number-in-text.ts'
import { paymentError } from './payment-error.ts'
import { ID_PATTERN } from './payment-id.ts'
import { currencies, type PaymentStatus, paymentStatuses } from './payment-model.ts'

/** Largest amount in minor units (1 000 000.00): a sanity bound, not a business limit. */
export const MAX_AMOUNT = 100_000_000

export interface CreatePaymentInput {
  amount: number
  currency: (typeof currencies)[number]
  card: { number: string; expiry: string; last4: string; brand: string }
  merchantReference: string | undefined
  description: string | undefined
}

export interface CaptureInput {
  amount: number | undefined
}

export interface RefundInput {
  amount: number
  reason: string | undefined
}

export interface GetPaymentInput {
  refundsCursor: string | undefined
}

export interface CardSearchInput {
  cardNumber: string
  cursor: string | undefined
}

export interface ListInput {
  status: PaymentStatus
  cursor: string | undefined
  limit: number
}

type Body = Record<string, unknown>

class Problems {
  readonly list: string[] = []
  add(problem: string): void {
    this.list.push(problem)
  }
  throwIfAny(): void {
    if (this.list.length > 0) throw invalid(this.list)
  }
}

function invalid(problems: string[]): DynamormError {
  return paymentError('PaymentRequestInvalidError', `Invalid request: ${problems.join('; ')}`, {
    details: { problems },
  })
}

function objectBody(body: unknown, allowEmpty: boolean): Body {
  if (body === undefined || body === null || body === '') {
    if (allowEmpty) return {}
    throw invalid(['the body must be a JSON object'])
  }
  if (typeof body !== 'object' || Array.isArray(body)) throw invalid(['the body must be a JSON object'])
  return body as Body
}

function onlyFields(body: Body, allowed: readonly string[], where: string, problems: Problems): void {
  for (const name of Object.keys(body)) {
    // The unknown name is caller input too: name only the ones that look like names and hold no card number.
    if (!allowed.includes(name)) {
      problems.add(
        /^[A-Za-z][A-Za-z0-9]{0,40}$/.test(name) && !holdsCardNumber(name)
          ? `${where}${name} is not a known field`
          : 'unknown field',
      )
    }
  }
}

function amountOf(value: unknown, name: string, problems: Problems): number | undefined {
  if (value === undefined) {
    problems.add(`${name} is required`)
    return undefined
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0 || value > MAX_AMOUNT) {
    problems.add(`${name} must be a positive integer in minor units, at most ${MAX_AMOUNT}`)
    return undefined
  }
  return value
}

function optionalText(value: unknown, name: string, max: number, problems: Problems): string | undefined {
  if (value === undefined) return undefined
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > max ||
    !/^[\x20-\x7e]*$/.test(value)
  ) {
    problems.add(`${name} must be 1 to ${max} printable ASCII characters`)
    return undefined
  }
  if (holdsCardNumber(value)) {
    problems.add(`${name} must not hold a card number (card data goes in card only)`)
    return undefined
  }
  return value
}

function cardOf(value: unknown, now: Date, problems: Problems): CreatePaymentInput['card'] | undefined {
  if (value === undefined) {
    problems.add('card is required')
    return undefined
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.add('card must be an object { number, expMonth, expYear, cvc }')
    return undefined
  }
  const card = value as Body
  onlyFields(card, ['number', 'expMonth', 'expYear', 'cvc'], 'card.', problems)
  const number = typeof card.number === 'string' ? normaliseCardNumber(card.number) : undefined
  if (number === undefined) problems.add('card.number is not a valid card number')
  const { expMonth, expYear } = card
  const month = typeof expMonth === 'number' && Number.isInteger(expMonth) ? expMonth : 0
  const year = typeof expYear === 'number' && Number.isInteger(expYear) ? expYear : 0
  if (month < 1 || month > 12) problems.add('card.expMonth must be an integer from 1 to 12')
  if (year < 2000 || year > 2099) problems.add('card.expYear must be a four-digit year')
  else if (month >= 1 && month <= 12) {
    // A card is valid through the last day of its expiry month.
    const endOfMonth = Date.UTC(year, month, 1)
    if (endOfMonth <= now.getTime()) problems.add('the card has expired')
  }
  // The CVC is checked for shape only and never stored: PCI DSS forbids keeping it after authorisation.
  if (typeof card.cvc !== 'string' || !/^\d{3,4}$/.test(card.cvc))
    problems.add('card.cvc must be 3 or 4 digits')
  if (number === undefined) return undefined
  return {
    number,
    expiry: `${String(month).padStart(2, '0')}/${year}`,
    last4: number.slice(-4),
    brand: cardBrand(number),
  }
}

export function parseCreatePayment(body: unknown, now = new Date()): CreatePaymentInput {
  const input = objectBody(body, false)
  const problems = new Problems()
  onlyFields(input, ['amount', 'currency', 'card', 'merchantReference', 'description'], '', problems)
  const amount = amountOf(input.amount, 'amount', problems)
  const currency = input.currency
  if (typeof currency !== 'string' || !(currencies as readonly string[]).includes(currency)) {
    problems.add(`currency must be one of ${currencies.join(', ')}`)
  }
  const card = cardOf(input.card, now, problems)
  const merchantReference = optionalText(input.merchantReference, 'merchantReference', 64, problems)
  const description = optionalText(input.description, 'description', 200, problems)
  problems.throwIfAny()
  return {
    amount: amount!,
    currency: currency as CreatePaymentInput['currency'],
    card: card!,
    merchantReference,
    description,
  }
}

export function parseCapture(body: unknown): CaptureInput {
  const input = objectBody(body, true)
  const problems = new Problems()
  onlyFields(input, ['amount'], '', problems)
  const amount = input.amount === undefined ? undefined : amountOf(input.amount, 'amount', problems)
  problems.throwIfAny()
  return { amount }
}

export function parseRefund(body: unknown): RefundInput {
  const input = objectBody(body, false)
  const problems = new Problems()
  onlyFields(input, ['amount', 'reason'], '', problems)
  const amount = amountOf(input.amount, 'amount', problems)
  const reason = optionalText(input.reason, 'reason', 200, problems)
  problems.throwIfAny()
  return { amount: amount!, reason }
}

export function parseCardSearch(
  body: unknown,
  query: Record<string, string | undefined> | undefined,
): CardSearchInput {
  const input = objectBody(body, false)
  const params = query ?? {}
  const problems = new Problems()
  onlyFields(input, ['cardNumber'], '', problems)
  onlyFields(params, ['cursor'], '', problems)
  const number = typeof input.cardNumber === 'string' ? normaliseCardNumber(input.cardNumber) : undefined
  if (number === undefined) problems.add('cardNumber is not a valid card number')
  const cursor = cursorOf(params.cursor, 'cursor', problems)
  problems.throwIfAny()
  return { cardNumber: number!, cursor }
}

function cursorOf(value: string | undefined, name: string, problems: Problems): string | undefined {
  if (value !== undefined && (value.length === 0 || value.length > 2048)) {
    problems.add(`${name} must be a cursor this API returned`)
  }
  return value
}

export function parseGetPayment(query: Record<string, string | undefined> | undefined): GetPaymentInput {
  const problems = new Problems()
  const params = query ?? {}
  // Strict, so a misspelt cursor is a 400 rather than the first page again (a client's endless loop).
  onlyFields(params, ['refundsCursor'], '', problems)
  const refundsCursor = cursorOf(params.refundsCursor, 'refundsCursor', problems)
  problems.throwIfAny()
  return { refundsCursor }
}

export function parseList(query: Record<string, string | undefined> | undefined): ListInput {
  const problems = new Problems()
  const params = query ?? {}
  onlyFields(params, ['status', 'cursor', 'limit'], '', problems)
  const status = params.status
  if (status === undefined || !(paymentStatuses as readonly string[]).includes(status)) {
    problems.add(`status must be one of ${paymentStatuses.join(', ')}`)
  }
  const cursor = cursorOf(params.cursor, 'cursor', problems)
  let limit = 20
  if (params.limit !== undefined) {
    limit = /^\d{1,3}$/.test(params.limit) ? Number(params.limit) : 0
    if (limit < 1 || limit > 100) problems.add('limit must be an integer from 1 to 100')
  }
  problems.throwIfAny()
  return { status: status as PaymentStatus, cursor, limit }
}

/** A payment or refund id from the path; malformed ids are simply not found. */
export function pathId(parameters: Record<string, string | undefined> | undefined, name = 'id'): string {
  const id = parameters?.[name]
  if (id === undefined || !ID_PATTERN.test(id)) {
    throw paymentError('PaymentNotFoundError', 'No such payment')
  }
  return id
}
