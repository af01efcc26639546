import { DynamormError, ValidationError } from '@dynamorm/core'
import { describe, expect, it } from 'vitest'
import { entryLine, parseFlags, reportLines, verdictLines } from '../src/audit-report.ts'
import { cardBrand, luhnValid, normaliseCardNumber } from '../src/card.ts'
import { holdsCardNumber } from '../src/card-number-in-text.ts'
import { progress } from '../src/demo/progress.ts'
import { errorAnswer, errorResult, httpErrorResponses } from '../src/http-error-responses.ts'
import { paymentApiOptionsFromEnvironment } from '../src/lambda/environment.ts'
import { createPaymentApi } from '../src/payment-api.ts'
import { ID_PATTERN, newId } from '../src/payment-id.ts'
import { parseCapture, parseCreatePayment, parseList, pathId } from '../src/payment-request.ts'
import { fingerprintPayload } from '../src/payment-stack.ts'
import { requestCost, withRequestCost } from '../src/request-cost.ts'

describe('cards', () => {
  it('checks numbers with Luhn and names the brand, nothing more', () => {
    expect(normaliseCardNumber('4111 1111-1111 1111')).toBe('4111111111111111')
    expect(normaliseCardNumber('4111111111111112')).toBeUndefined()
    expect(normaliseCardNumber('41111')).toBeUndefined()
    expect(normaliseCardNumber('4111.1111.1111.1111')).toBeUndefined()
    expect(luhnValid('79927398713')).toBe(true)
    expect(cardBrand('4111111111111111')).toBe('visa')
    expect(cardBrand('5555555555554444')).toBe('mastercard')
    expect(cardBrand('2221000000000009')).toBe('mastercard')
    expect(cardBrand('378282246310005')).toBe('amex')
    expect(cardBrand('6011111111111117')).toBe('other')
  })
})

describe('card numbers in free text', () => {
  it('finds a Luhn-valid run of 13 to 19 digits however it is grouped, and nothing else', () => {
    expect(holdsCardNumber('pay 4111111111111111 now')).toBe(true)
    expect(holdsCardNumber('ref 2024 4111 1111 1111 1111')).toBe(true)
    expect(holdsCardNumber('x4111--1111  1111-1111y')).toBe(true)
    expect(holdsCardNumber('4222222222222')).toBe(true)
    expect(holdsCardNumber('order 123456789012')).toBe(false)
    expect(holdsCardNumber('4111111111111112')).toBe(false)
    expect(holdsCardNumber('41111111111111110000')).toBe(false)
  })
})

describe('ids', () => {
  it('sort by time and match the path pattern', () => {
    const earlier = newId('pay', 1_700_000_000_000)
    const later = newId('pay', 1_700_000_000_001)
    expect(earlier < later).toBe(true)
    expect(earlier).toMatch(ID_PATTERN)
    expect(newId('ref')).toMatch(/^ref_/)
    expect(() => pathId({ id: 'pay_x' })).toThrow('No such payment')
    expect(() => pathId(undefined)).toThrow('No such payment')
  })
})

describe('request validation', () => {
  const now = new Date('2030-06-15T00:00:00Z')
  const card = { number: '4111111111111111', expMonth: 6, expYear: 2030, cvc: '123' }
  it('accepts a card through the last day of its expiry month', () => {
    const input = parseCreatePayment({ amount: 1, currency: 'USD', card, description: 'ok' }, now)
    expect(input.card).toEqual({
      number: '4111111111111111',
      expiry: '06/2030',
      last4: '1111',
      brand: 'visa',
    })
    expect(() =>
      parseCreatePayment({ amount: 1, currency: 'USD', card: { ...card, expMonth: 5 } }, now),
    ).toThrow('the card has expired')
  })
  it('lists every problem at once and never echoes a value', () => {
    try {
      parseCreatePayment({ amount: -1, currency: 'EUR', card: { ...card, number: '4111111111111112' } }, now)
      expect.unreachable()
    } catch (error) {
      const e = error as DynamormError
      expect(e.name).toBe('PaymentRequestInvalidError')
      expect(e.status).toBe(400)
      expect(e.details.problems).toHaveLength(2)
      expect(e.message).not.toContain('4111111111111112')
    }
  })
  it('takes an empty capture body and a list without a limit', () => {
    expect(parseCapture(undefined)).toEqual({ amount: undefined })
    expect(parseCapture('')).toEqual({ amount: undefined })
    expect(() => parseCapture({ amount: 0 })).toThrow('positive integer')
    expect(parseList({ status: 'captured' })).toEqual({ status: 'captured', cursor: undefined, limit: 20 })
    expect(() => parseList({ status: 'captured', cursor: '' })).toThrow('cursor')
    expect(() => parseList(undefined)).toThrow('status must be one of')
  })
})

describe('error answers', () => {
  it('passes typed 4xx errors through and hides 500s', () => {
    expect(errorAnswer(new ValidationError('bad key'))).toEqual({
      status: 400,
      name: 'ValidationError',
      message: 'bad key',
    })
    expect(errorAnswer(new DynamormError('TransactionTooLargeError', 500, 'internal detail'))).toEqual({
      status: 500,
      name: 'InternalError',
      message: 'Internal error',
    })
    expect(
      errorAnswer(new DynamormError('ServiceUnavailableError', 503, 'DynamoDB is unavailable')).status,
    ).toBe(503)
    expect(errorAnswer(new Error('secret at /var/task/x.js:1')).message).toBe('Internal error')
    expect(errorAnswer(undefined).status).toBe(500)
    expect(errorAnswer(Object.assign(new Error('x'), { statusCode: 415 })).name).toBe('MalformedBodyError')
    expect(errorAnswer(Object.assign(new Error('x'), { statusCode: 406 }))).toEqual({
      status: 406,
      name: 'HttpError',
      message: 'The request was refused',
    })
  })
  it('turns a commit cancelled on the payment version into 412, other cancellations stay 409', () => {
    const cancelled = (label: string) =>
      Object.assign(new DynamormError('TransactionCancelledError', 409, 'cancelled'), {
        reasons: [{ index: 0, code: 'ConditionalCheckFailed', label }],
      })
    expect(errorAnswer(cancelled('payment')).status).toBe(412)
    expect(errorAnswer(cancelled('audit')).status).toBe(409)
    expect(errorResult({ status: 429, name: 'ThrottledError', message: 'slow down' }).headers).toMatchObject({
      'retry-after': '1',
    })
  })
  it('logs where a 500 came from without the message of an error that may quote data, and keeps an answer an inner middleware gave', () => {
    const lines: string[] = []
    const onError = httpErrorResponses({ logger: (line) => lines.push(line) }).onError as unknown as (
      r: object,
    ) => void
    const request = { error: new TypeError('card 4111111111111111'), response: undefined as unknown }
    onError(request)
    expect(lines).toHaveLength(1)
    expect(lines[0]).not.toContain('4111111111111111')
    const line = JSON.parse(lines[0]!)
    expect(line).toMatchObject({ level: 'ERROR', error: 'InternalError', status: 500 })
    expect(line.fault.name).toBe('TypeError')
    expect(line.fault.message).toBeUndefined()
    expect(line.fault.at[0]).toMatch(/pure-parts\.test\.ts/)
    // Our typed errors' messages carry no request data: a 500 of ours says what failed.
    onError({ error: new DynamormError('TableNotFoundError', 500, 'DynamoDB table not found: payments') })
    expect(JSON.parse(lines[1]!).fault).toMatchObject({
      name: 'TableNotFoundError',
      message: 'DynamoDB table not found: payments',
    })
    // A refusal the caller was told about in full is logged by name and status only.
    onError({ error: new DynamormError('ValidationError', 400, 'amount must be positive') })
    expect(JSON.parse(lines[2]!)).toEqual({ level: 'ERROR', error: 'ValidationError', status: 400 })
    const answered = { error: new Error('x'), response: { statusCode: 409 } }
    onError(answered)
    expect(answered.response).toEqual({ statusCode: 409 })
  })
})

describe('cost and configuration', () => {
  it('reports no cost without a Db, and unknown cost for a region without prices', async () => {
    expect(requestCost({})).toBeUndefined()
    const meter = { totals: () => ({ calls: 1, readCapacityUnits: 1, writeCapacityUnits: 0, tables: {} }) }
    const cost = requestCost({ db: { meter } as never, partner: { region: 'mars-north-1' } })
    expect(cost).toEqual({ totals: meter.totals(), costUsd: null })
    const wrapped = withRequestCost(async () => ({ statusCode: 200 }))
    expect(await wrapped({}, { db: { meter } as never, partner: { region: 'mars-north-1' } })).toMatchObject({
      headers: { 'x-dynamorm-cost-usd': 'unknown', 'x-dynamorm-capacity': 'calls=1; rcu=1; wcu=0' },
    })
    expect(await wrapped({}, {})).toEqual({ statusCode: 200 })
  })

  it('keys card data in the idempotency fingerprint and leaves other bodies alone', () => {
    const key = new Uint8Array(32).fill(7)
    const body = { amount: 1, card: { number: '4111111111111111', cvc: '123', expMonth: 1 } }
    const keyed = fingerprintPayload(body, key) as { card: Record<string, unknown> }
    expect(JSON.stringify(keyed)).not.toContain('4111111111111111')
    expect(keyed.card.expMonth).toBe(1)
    expect(fingerprintPayload(body, key)).toEqual(keyed)
    expect(fingerprintPayload(body, new Uint8Array(32))).not.toEqual(keyed)
    for (const other of ['text', null, [1], { amount: 1 }, { card: 'x' }])
      expect(fingerprintPayload(other, key)).toBe(other)
  })

  it('refuses a short secret and a bad environment at init', () => {
    expect(() => createPaymentApi({ partners: {}, secret: 'short', beaconKey: () => 'k' })).toThrow(
      'at least 32',
    )
    expect(() => paymentApiOptionsFromEnvironment({})).toThrow('PAYMENT_API_SECRET')
    const secret = 'x'.repeat(32)
    expect(() => paymentApiOptionsFromEnvironment({ PAYMENT_API_SECRET: secret, BEACON_KEYS: '{' })).toThrow(
      'BEACON_KEYS',
    )
    expect(() =>
      paymentApiOptionsFromEnvironment({ PAYMENT_API_SECRET: secret, BEACON_KEYS: '[1]' }),
    ).toThrow('BEACON_KEYS')
    const options = paymentApiOptionsFromEnvironment({
      PAYMENT_API_SECRET: secret,
      BEACON_KEYS: '{"acme":"a2V5"}',
      PLATFORM_TABLE_PREFIX: 'prod-',
    })
    expect(options.platformTablePrefix).toBe('prod-')
    expect(options.beaconKey({ id: 'acme' })).toBe('a2V5')
    expect(() => options.beaconKey({ id: 'other' })).toThrow('No beacon key')
  })
})

describe('audit report and CLI flags', () => {
  const entry = {
    v: 1 as const,
    partner: 'acme',
    actor: 'ops',
    requestId: 'r1',
    sourceIp: null,
    timestamp: '2030-01-01T00:00:00.000Z',
    action: 'payment.capture',
    entity: 'Payment',
    key: { paymentId: 'p1' },
    outcome: { failure: 'PaymentStateError' },
    changes: {},
    capacity: { calls: 1, readCapacityUnits: 1, writeCapacityUnits: 0 },
    cost: null,
    chain: { shard: 3, seq: 9, prevHash: 'x' },
    hash: 'h',
  }
  it('prints entries and the verdict', () => {
    expect(entryLine(entry)).toBe(
      'shard 3 #9  2030-01-01T00:00:00.000Z  ops  payment.capture Payment {"paymentId":"p1"}  failed: PaymentStateError',
    )
    const valid = { valid: true, entries: 1, shards: 1, problems: [] }
    expect(reportLines({ entries: [entry], verification: valid }, 'acme')).toHaveLength(3)
    const broken = verdictLines({
      valid: false,
      entries: 2,
      shards: 1,
      problems: [{ kind: 'deleted', shard: 3, position: 2, seq: 2, detail: 'gone' }],
    })
    expect(broken).toEqual(['TAMPERED: 1 problem(s) in 2 entries', '  deleted at shard 3 position 2: gone'])
  })
  it('reads --name value flags strictly', () => {
    expect(parseFlags(['--', '--partner', 'acme'], ['partner'])).toEqual({ partner: 'acme' })
    expect(() => parseFlags(['--other', 'x'], ['partner'])).toThrow('unknown argument --other')
    expect(() => parseFlags(['--partner'], ['partner'])).toThrow('--partner needs a value')
    expect(() => parseFlags(['--partner', '--x'], ['partner'])).toThrow('needs a value')
    expect(() => parseFlags(['acme'], ['partner'])).toThrow('unknown argument acme')
  })
})

describe('progress line', () => {
  it('ticks in place on a terminal, prints plain lines otherwise', async () => {
    let tty = ''
    expect(await progress((text) => (tty += text), true).during('starting', Promise.resolve(42))).toBe(42)
    expect(tty).toMatch(/^\r {2}starting \.\.\. \d+\.\d s\n$/)
    let plain = ''
    const show = progress((text) => (plain += text), false)
    show.say('hello')
    await expect(show.during('failing', Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    expect(plain).toBe('  hello\n  failing ...\n')
  })
})
