import {
  BatchWriteItemCommand,
  DeleteTableCommand,
  GetItemCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb'
import { REDACTED, verifyAuditChain } from '@dynamorm/audit'
import { unmarshallItem } from '@dynamorm/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LocalStack } from '../src/local-stack.ts'
import { newId } from '../src/payment-id.ts'
import { Refund } from '../src/payment-model.ts'
import { COST_HEADER } from '../src/request-cost.ts'
import { type Answer, asText, CARD, order, partnerName, send, testStack } from './fixtures.ts'

let stack: LocalStack
const A = partnerName('alpha')
const B = partnerName('bravo')
const logLines: string[] = []

beforeAll(async () => {
  stack = await testStack((line) => logLines.push(line))
  await stack.registerPartner(A)
  await stack.registerPartner(B)
})
afterAll(() => stack.stop())

const create = (key: string, body: unknown = order(), partner = A) =>
  send(stack, partner, 'POST', '/payments', { body, key })

async function storedPayment(partner: string, id: string) {
  const { Item } = await stack.client.send(
    new GetItemCommand({
      TableName: `${partner}-payments`,
      Key: { pk: { S: `PAYMENT#${id}` }, sk: { S: 'PAYMENT' } },
      ConsistentRead: true,
    }),
  )
  return Item
}

function expectError(answer: Answer, status: number, name: string) {
  expect(answer.status).toBe(status)
  expect(answer.body.error.name).toBe(name)
  expect(Object.keys(answer.body)).toEqual(['error'])
  expect(answer.raw).not.toMatch(/stack|at .*\.ts:\d+/)
  expect(answer.raw).not.toContain(CARD.number)
}

describe('POST /payments', () => {
  it('authorises a payment: 201, card sealed at rest, last4 and brand in clear, cost measured', async () => {
    const answer = await create('create-1')
    expect(answer.status).toBe(201)
    expect(answer.body).toMatchObject({
      status: 'authorized',
      amount: 1250,
      currency: 'EUR',
      capturedAmount: 0,
      refundedAmount: 0,
      card: { last4: '1111', brand: 'visa' },
      version: 1,
    })
    expect(answer.body.id).toMatch(/^pay_[0-9A-Z]{26}$/)
    expect(answer.raw).not.toContain(CARD.number)
    expect(Number(answer.headers[COST_HEADER])).toBeGreaterThan(0)
    expect(answer.headers['x-dynamorm-capacity']).toMatch(/^calls=\d+; rcu=[\d.]+; wcu=[\d.]+$/)

    const item = (await storedPayment(A, answer.body.id))!
    expect(item.cardNumber?.B).toBeInstanceOf(Uint8Array)
    expect(item.cardExpiry?.B).toBeInstanceOf(Uint8Array)
    expect(item.cardNumberBeacon?.B).toHaveLength(8)
    expect(item.cardLast4).toEqual({ S: '1111' })
    expect(asText(item)).not.toContain(CARD.number)
    // As a token of its own: random ids, key ids and timestamps may hold the digits 737 by chance.
    expect(asText(item)).not.toMatch(new RegExp(`\\b${CARD.cvc}\\b`))
    expect(asText(item)).not.toContain('12/2030')
  })

  it('replays a retried request (same key, same body) without running it again', async () => {
    const first = await create('create-replay')
    const again = await create('create-replay')
    expect(again.status).toBe(201)
    expect(again.headers['idempotent-replayed']).toBe('true')
    expect(again.body).toEqual(first.body)
    // The body's card number spelled with spaces is another payload: a different fingerprint.
    const spaced = await create('create-replay', order({ card: { ...CARD, number: '4111 1111 1111 1111' } }))
    expectError(spaced, 422, 'IdempotencyPayloadMismatchError')
  })

  it('refuses a reused key with another amount (422) and keeps the original', async () => {
    const first = await create('create-reuse')
    const reused = await create('create-reuse', order({ amount: 999 }))
    expectError(reused, 422, 'IdempotencyPayloadMismatchError')
    expect(unmarshallItem((await storedPayment(A, first.body.id))!).amount).toBe(1250)
  })

  it('runs exactly one of concurrent duplicates', async () => {
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => create('create-race', order({ amount: 777 }))),
    )
    const ran = answers.filter((a) => a.status === 201 && a.headers['idempotent-replayed'] !== 'true')
    expect(ran).toHaveLength(1)
    for (const answer of answers) expect([201, 409]).toContain(answer.status)
    const ids = new Set(answers.filter((a) => a.status === 201).map((a) => a.body.id))
    expect(ids.size).toBe(1)
    const { Items } = await stack.client.send(
      new ScanCommand({
        TableName: `${A}-payments`,
        FilterExpression: 'amount = :amount',
        ExpressionAttributeValues: { ':amount': { N: '777' } },
        ConsistentRead: true,
      }),
    )
    expect(Items).toHaveLength(1)
  })

  it('needs an idempotency key', async () => {
    expectError(
      await send(stack, A, 'POST', '/payments', { body: order() }),
      400,
      'IdempotencyKeyMissingError',
    )
  })

  it('answers malformed JSON with 400, never echoing the body', async () => {
    const answer = await send(stack, A, 'POST', '/payments', {
      body: `{"amount": 12, "card": {"number": "${CARD.number}"`,
      headers: { 'content-type': 'application/json' },
      key: 'malformed-1',
    })
    expectError(answer, 400, 'MalformedBodyError')
    // A lock taken by a failed request is released: the same key works once the body is right.
    expect((await create('malformed-1')).status).toBe(201)
  })

  it.each([
    ['a JSON array', [1, 2], 'the body must be a JSON object'],
    ['a JSON string', 'just text', 'the body must be a JSON object'],
    ['no amount', { currency: 'EUR', card: CARD }, 'amount is required'],
    ['a negative amount', order({ amount: -5 }), 'amount must be a positive integer'],
    ['a zero amount', order({ amount: 0 }), 'amount must be a positive integer'],
    ['a fractional amount', order({ amount: 12.5 }), 'amount must be a positive integer'],
    ['an amount as text', order({ amount: '1250' }), 'amount must be a positive integer'],
    ['a huge amount', order({ amount: 1e12 }), 'amount must be a positive integer'],
    ['an unknown currency', order({ currency: 'XXX' }), 'currency must be one of'],
    ['no card', { amount: 5, currency: 'EUR' }, 'card is required'],
    ['a card that is not an object', order({ card: CARD.number }), 'card must be an object'],
    [
      'a number failing Luhn',
      order({ card: { ...CARD, number: '4111111111111112' } }),
      'card.number is not a valid',
    ],
    [
      'a number with letters',
      order({ card: { ...CARD, number: '4111abcd11111111' } }),
      'card.number is not a valid',
    ],
    ['an expired card', order({ card: { ...CARD, expYear: 2020 } }), 'the card has expired'],
    ['month 13', order({ card: { ...CARD, expMonth: 13 } }), 'card.expMonth must be'],
    ['a two-digit year', order({ card: { ...CARD, expYear: 30 } }), 'card.expYear must be'],
    ['a 5-digit cvc', order({ card: { ...CARD, cvc: '12345' } }), 'card.cvc must be'],
    ['a numeric cvc', order({ card: { ...CARD, cvc: 737 } }), 'card.cvc must be'],
    ['an unknown field', order({ amonut: 5 }), 'amonut is not a known field'],
    ['an unknown card field', order({ card: { ...CARD, pin: '1234' } }), 'card.pin is not a known field'],
    ['a field name that is not a name', order({ 'x y<script>': 1 }), 'unknown field'],
    ['a field name holding a card number', order({ note4111111111111111: 1 }), 'unknown field'],
    ['a long description', order({ description: 'x'.repeat(201) }), 'description must be'],
    [
      'a control character in the reference',
      order({ merchantReference: 'a\nb' }),
      'merchantReference must be',
    ],
  ])('rejects %s with 400', async (_what, body, problem) => {
    const answer = await create(`bad-${_what}`, body)
    expectError(answer, 400, 'PaymentRequestInvalidError')
    expect(answer.body.error.message).toContain(problem)
    expect(answer.raw).not.toContain('<script>')
  })
})

describe('free text holding a card number', () => {
  const partner = partnerName('pan-in-text')
  // Each spelling of a Luhn-valid number a person might type into a text field.
  const typed = ['4111111111111111', '4111 1111 1111 1111', '5555-5555-5555-4444', '3782 822463 10005']
  const digitsOf = (text: string) => text.replace(/[ -]/g, '')
  let captured: string
  beforeAll(async () => {
    await stack.registerPartner(partner)
    captured = (await create('pan-captured', order({ amount: 900 }), partner)).body.id
    await send(stack, partner, 'POST', `/payments/${captured}/capture`, { key: 'pan-cap' })
  })

  async function storedText(table: string) {
    const { Items } = await stack.client.send(
      new ScanCommand({ TableName: `${partner}-${table}`, ConsistentRead: true }),
    )
    return asText((Items ?? []).map((item) => unmarshallItem(item)))
  }

  it('refuses it in the description, the merchant reference and a refund reason (400), storing, auditing and logging no digit of it', async () => {
    const refused: Answer[] = []
    for (const [n, text] of typed.entries()) {
      refused.push(await create(`pan-desc-${n}`, order({ description: `card ${text} thanks` }), partner))
      refused.push(await create(`pan-ref-${n}`, order({ merchantReference: text }), partner))
      refused.push(
        await send(stack, partner, 'POST', `/payments/${captured}/refunds`, {
          body: { amount: 1, reason: `refund to ${text}` },
          key: `pan-reason-${n}`,
        }),
      )
    }
    for (const answer of refused) {
      expectError(answer, 400, 'PaymentRequestInvalidError')
      expect(answer.body.error.message).toMatch(
        /(description|merchantReference|reason) must not hold a card number/,
      )
      for (const text of typed) {
        expect(answer.raw).not.toContain(text)
        expect(answer.raw).not.toContain(digitsOf(text))
      }
    }
    const stored = [await storedText('payments'), await storedText('audit'), await storedText('idempotency')]
    for (const text of [...stored, logLines.join('\n')]) {
      for (const pan of typed) {
        expect(text).not.toContain(pan)
        expect(text).not.toContain(digitsOf(pan))
      }
    }
    const payment = await send(stack, partner, 'GET', `/payments/${captured}`)
    expect(payment.body).toMatchObject({ refundedAmount: 0, refunds: [] })
  })

  it('refuses an Idempotency-Key holding a card number (400): the key is stored in clear', async () => {
    for (const text of typed) {
      const answer = await create(text, order(), partner)
      expectError(answer, 400, 'PaymentRequestInvalidError')
      expect(answer.body.error.message).toContain('Idempotency-Key must not hold a card number')
      expect(answer.raw).not.toContain(digitsOf(text))
    }
    const stored = [await storedText('idempotency'), await storedText('audit'), logLines.join('\n')]
    for (const text of stored) for (const pan of typed) expect(text).not.toContain(digitsOf(pan))
    expect((await create('order 123456789012 / 4111111111111112', order(), partner)).status).toBe(201)
  })

  it('accepts ordinary numbers: a 12-digit order reference, a 16-digit number failing Luhn', async () => {
    const answer = await create(
      'pan-ordinary',
      order({ merchantReference: '123456789012', description: 'invoice 4111111111111112, 2 items' }),
      partner,
    )
    expect(answer.status).toBe(201)
    expect(answer.body).toMatchObject({
      merchantReference: '123456789012',
      description: 'invoice 4111111111111112, 2 items',
    })
    const refund = await send(stack, partner, 'POST', `/payments/${captured}/refunds`, {
      body: { amount: 1, reason: 'order 2024-000123456789' },
      key: 'pan-ordinary-reason',
    })
    expect(refund.status).toBe(201)
  })
})

describe('capture and refunds', () => {
  let id: string
  beforeAll(async () => {
    id = (await create('lifecycle', order({ amount: 1000 }))).body.id
  })

  it('will not refund before capture (409)', async () => {
    const answer = await send(stack, A, 'POST', `/payments/${id}/refunds`, {
      body: { amount: 1 },
      key: 'early-refund',
    })
    expectError(answer, 409, 'PaymentStateError')
  })

  it('will not capture more than authorised (422)', async () => {
    const answer = await send(stack, A, 'POST', `/payments/${id}/capture`, {
      body: { amount: 1001 },
      key: 'cap-over',
    })
    expectError(answer, 422, 'CaptureExceedsAuthorizedError')
  })

  it('captures (all of it by default), once', async () => {
    const answer = await send(stack, A, 'POST', `/payments/${id}/capture`, { key: 'cap-1' })
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({ status: 'captured', capturedAmount: 1000, version: 2 })
    const replay = await send(stack, A, 'POST', `/payments/${id}/capture`, { key: 'cap-1' })
    expect(replay.headers['idempotent-replayed']).toBe('true')
    const again = await send(stack, A, 'POST', `/payments/${id}/capture`, { key: 'cap-2' })
    expectError(again, 409, 'PaymentStateError')
  })

  it('refunds partially, never beyond what was captured', async () => {
    const first = await send(stack, A, 'POST', `/payments/${id}/refunds`, {
      body: { amount: 300, reason: 'damaged' },
      key: 'ref-1',
    })
    expect(first.status).toBe(201)
    expect(first.body.refund).toMatchObject({
      paymentId: id,
      amount: 300,
      currency: 'EUR',
      reason: 'damaged',
    })
    expect(first.body.payment).toMatchObject({
      status: 'partially_refunded',
      refundedAmount: 300,
      version: 3,
    })
    const over = await send(stack, A, 'POST', `/payments/${id}/refunds`, {
      body: { amount: 701 },
      key: 'ref-over',
    })
    expectError(over, 422, 'RefundExceedsCapturedError')
    for (const amount of [-1, 0, 1.5]) {
      const bad = await send(stack, A, 'POST', `/payments/${id}/refunds`, {
        body: { amount },
        key: `ref-bad-${amount}`,
      })
      expectError(bad, 400, 'PaymentRequestInvalidError')
    }
    expectError(
      await send(stack, A, 'POST', `/payments/${id}/refunds`, { key: 'ref-nobody' }),
      400,
      'PaymentRequestInvalidError',
    )
    const rest = await send(stack, A, 'POST', `/payments/${id}/refunds`, {
      body: { amount: 700 },
      key: 'ref-2',
    })
    expect(rest.body.payment).toMatchObject({ status: 'refunded', refundedAmount: 1000 })
    const more = await send(stack, A, 'POST', `/payments/${id}/refunds`, {
      body: { amount: 1 },
      key: 'ref-3',
    })
    expectError(more, 409, 'PaymentStateError')

    const got = await send(stack, A, 'GET', `/payments/${id}`)
    expect(got.status).toBe(200)
    expect(got.body.refunds.map((r: { amount: number }) => r.amount).sort()).toEqual([300, 700])
    expect(got.raw).not.toContain(CARD.number)
  })

  it('keeps concurrent refunds within the captured amount (optimistic locking: 412)', async () => {
    const paymentId = (await create('race-refund', order({ amount: 500 }))).body.id
    await send(stack, A, 'POST', `/payments/${paymentId}/capture`, { key: 'race-cap' })
    const answers = await Promise.all(
      [1, 2, 3, 4].map((n) =>
        send(stack, A, 'POST', `/payments/${paymentId}/refunds`, {
          body: { amount: 200 },
          key: `race-ref-${n}`,
        }),
      ),
    )
    for (const answer of answers) expect([201, 412, 422]).toContain(answer.status)
    const conflicts = answers.filter((answer) => answer.status === 412)
    for (const conflict of conflicts) expectError(conflict, 412, 'PaymentConflictError')
    const stored = unmarshallItem((await storedPayment(A, paymentId))!)
    const succeeded = answers.filter((answer) => answer.status === 201).length
    expect(succeeded).toBeGreaterThanOrEqual(1)
    expect(stored.refundedAmount).toBe(200 * succeeded)
    expect(stored.refundedAmount as number).toBeLessThanOrEqual(500)
    // A refund that lost the race released its key: retried, it is decided on the new state.
    const retried = answers.findIndex((answer) => answer.status === 412)
    if (retried >= 0) {
      const again = await send(stack, A, 'POST', `/payments/${paymentId}/refunds`, {
        body: { amount: 200 },
        key: `race-ref-${retried + 1}`,
      })
      expect([201, 422]).toContain(again.status)
    }
  })

  it('answers 404 for unknown and malformed payment ids', async () => {
    expectError(
      await send(stack, A, 'GET', '/payments/pay_0000000000000000000000000Z'),
      404,
      'PaymentNotFoundError',
    )
    expectError(await send(stack, A, 'GET', '/payments/not-an-id'), 404, 'PaymentNotFoundError')
    const capture = await send(stack, A, 'POST', '/payments/pay_0000000000000000000000000Z/capture', {
      key: 'nf-cap',
    })
    expectError(capture, 404, 'PaymentNotFoundError')
    const refund = await send(stack, A, 'POST', '/payments/pay_0000000000000000000000000Z/refunds', {
      body: { amount: 1 },
      key: 'nf-ref',
    })
    expectError(refund, 404, 'PaymentNotFoundError')
  })
})

describe('GET /payments/{id} reads its own writes', () => {
  // DynamoDB Local is always consistent, so the answers alone cannot tell a consistent read from an
  // eventual one; the capacity it charges can: a small item costs 1 RCU read consistently, 0.5 if not.
  async function get(id: string) {
    const calls = stack.proxy.calls()
    const queries = stack.proxy.calls('Query')
    const answer = await send(stack, A, 'GET', `/payments/${id}`)
    expect(answer.status).toBe(200)
    expect(answer.headers['x-dynamorm-capacity']).toBe('calls=1; rcu=1; wcu=0')
    expect(stack.proxy.calls() - calls).toBe(1)
    expect(stack.proxy.calls('Query') - queries).toBe(1)
    return answer.body
  }

  it('answers right after a create, a capture and a refund with that write, from one consistent Query', async () => {
    const created = await create('own-writes', order({ amount: 900 }))
    const id: string = created.body.id
    expect(await get(id)).toEqual({ ...created.body, refunds: [], refundsCursor: null })

    const captured = await send(stack, A, 'POST', `/payments/${id}/capture`, { key: 'own-writes-cap' })
    expect(captured.status).toBe(200)
    expect(await get(id)).toEqual({ ...captured.body, refunds: [], refundsCursor: null })

    const refunded = await send(stack, A, 'POST', `/payments/${id}/refunds`, {
      body: { amount: 250, reason: 'late delivery' },
      key: 'own-writes-ref',
    })
    expect(refunded.status).toBe(201)
    const afterRefund = await get(id)
    expect(afterRefund).toEqual({
      ...refunded.body.payment,
      refunds: [refunded.body.refund],
      refundsCursor: null,
    })
    expect(afterRefund.refundedAmount).toBe(250)
    expect(JSON.stringify(afterRefund)).not.toContain(CARD.number)
  })
})

describe('GET /payments/{id} of a payment with many refunds', () => {
  const partner = partnerName('many-refunds')
  // The README's bound: at most 100 refunds per read, the rest behind refundsCursor.
  const perRead = 100
  const refundCount = 2 * perRead + 37
  let id: string
  let other: string
  beforeAll(async () => {
    await stack.registerPartner(partner)
    id = (await create('many-refunds', order({ amount: 100_000 }), partner)).body.id
    other = (await create('few-refunds', order({ amount: 100 }), partner)).body.id
    // Written directly (one BatchWriteItem per 25): through the API this would be 237 requests.
    const start = Date.now()
    const refunds = Array.from({ length: refundCount }, (_, n) => ({
      paymentId: id,
      id: newId('ref', start + n),
      amount: n + 1,
      currency: 'EUR' as const,
    }))
    await stack.partnerDb(partner).model(Refund).batchWrite({ put: refunds })
    await stack
      .partnerDb(partner)
      .model(Refund)
      .batchWrite({ put: [{ paymentId: other, id: newId('ref'), amount: 5, currency: 'EUR' }] })
  })

  it('reads one page of refunds and says where the rest are: the cursor pages through each once', async () => {
    const amounts: number[] = []
    let cursor: string | undefined
    const pages: number[] = []
    do {
      const answer = await send(stack, partner, 'GET', `/payments/${id}`, {
        ...(cursor === undefined ? {} : { query: { refundsCursor: cursor } }),
      })
      expect(answer.status).toBe(200)
      expect(answer.body).toMatchObject({ id, amount: 100_000 })
      pages.push(answer.body.refunds.length)
      amounts.push(...answer.body.refunds.map((refund: { amount: number }) => refund.amount))
      cursor = answer.body.refundsCursor ?? undefined
    } while (cursor !== undefined && pages.length < 10)
    expect(pages).toEqual([perRead, perRead, refundCount - 2 * perRead])
    expect(amounts).toEqual(Array.from({ length: refundCount }, (_, n) => n + 1))

    const few = await send(stack, partner, 'GET', `/payments/${other}`)
    expect(few.body.refunds).toHaveLength(1)
    expect(few.body.refundsCursor).toBeNull()
  })

  it('reads the first page in one call and a later page consistently: the payment and the refunds after the cursor', async () => {
    const paymentId = (await create('one-past-a-page', order({ amount: 1000 }), partner)).body.id
    const start = Date.now()
    const refunds = Array.from({ length: perRead + 1 }, (_, n) => ({
      paymentId,
      id: newId('ref', start + n),
      amount: 1,
      currency: 'EUR' as const,
    }))
    await stack.partnerDb(partner).model(Refund).batchWrite({ put: refunds })
    const first = await send(stack, partner, 'GET', `/payments/${paymentId}`)
    expect(first.body.refunds).toHaveLength(perRead)
    expect(first.headers['x-dynamorm-capacity']).toMatch(/^calls=1; /)
    const next = await send(stack, partner, 'GET', `/payments/${paymentId}`, {
      query: { refundsCursor: first.body.refundsCursor },
    })
    expect(next.body).toMatchObject({ id: paymentId, refundsCursor: null })
    expect(next.body.refunds.map((refund: { id: string }) => refund.id)).toEqual([refunds[perRead]!.id])
    // The payment and one refund, each a small item read consistently: 1 RCU apiece (0.5 if not).
    expect(next.headers['x-dynamorm-capacity']).toBe('calls=2; rcu=2; wcu=0')
  })

  it("refuses a cursor that is not this payment's refunds, and unknown parameters, with 400", async () => {
    const first = await send(stack, partner, 'GET', `/payments/${id}`)
    const cursor: string = first.body.refundsCursor
    expectError(
      await send(stack, partner, 'GET', `/payments/${other}`, { query: { refundsCursor: cursor } }),
      400,
      'ValidationError',
    )
    const forged = `${cursor.slice(0, -2)}${cursor.endsWith('AA') ? 'BB' : 'AA'}`
    expectError(
      await send(stack, partner, 'GET', `/payments/${id}`, { query: { refundsCursor: forged } }),
      400,
      'ValidationError',
    )
    const listCursor: string = (
      await send(stack, partner, 'GET', '/payments', { query: { status: 'authorized', limit: '1' } })
    ).body.cursor
    expectError(
      await send(stack, partner, 'GET', `/payments/${id}`, { query: { refundsCursor: listCursor } }),
      400,
      'ValidationError',
    )
    expectError(
      await send(stack, partner, 'GET', `/payments/${id}`, { query: { cursor } }),
      400,
      'PaymentRequestInvalidError',
    )
  })
})

describe('GET /payments (by status) and POST /payments/search', () => {
  const partner = partnerName('lister')
  beforeAll(async () => {
    await stack.registerPartner(partner)
    for (const amount of [101, 102, 103]) await create(`list-${amount}`, order({ amount }), partner)
    await create('other-card', order({ amount: 104, card: { ...CARD, number: '5555555555554444' } }), partner)
  })

  it('pages newest first with signed cursors', async () => {
    const seen: number[] = []
    let cursor: string | undefined
    for (let page = 0; page < 6; page++) {
      const answer = await send(stack, partner, 'GET', '/payments', {
        query: { status: 'authorized', limit: '1', ...(cursor ? { cursor } : {}) },
      })
      expect(answer.status).toBe(200)
      seen.push(...answer.body.items.map((item: { amount: number }) => item.amount))
      cursor = answer.body.cursor ?? undefined
      if (cursor === undefined) break
    }
    expect(seen).toEqual([104, 103, 102, 101])
  })

  it('rejects bad list parameters and forged cursors with 400', async () => {
    const badQueries: Record<string, string>[] = [
      {},
      { status: 'lost' },
      { status: 'authorized', limit: '0' },
      { status: 'authorized', limit: 'x' },
      { status: 'authorized', page: '2' },
    ]
    for (const query of badQueries) {
      expectError(
        await send(stack, partner, 'GET', '/payments', { query }),
        400,
        'PaymentRequestInvalidError',
      )
    }
    const first = await send(stack, partner, 'GET', '/payments', {
      query: { status: 'authorized', limit: '1' },
    })
    const cursor: string = first.body.cursor
    const forged = `${cursor.slice(0, -2)}${cursor.endsWith('AA') ? 'BB' : 'AA'}`
    expectError(
      await send(stack, partner, 'GET', '/payments', { query: { status: 'authorized', cursor: forged } }),
      400,
      'ValidationError',
    )
    // Another partner's cursor names another table: refused, not followed.
    expectError(
      await send(stack, A, 'GET', '/payments', { query: { status: 'authorized', cursor } }),
      400,
      'ValidationError',
    )
  })

  it('finds the payments made with a card through its beacon, without the number in a URL', async () => {
    const answer = await send(stack, partner, 'POST', '/payments/search', {
      body: { cardNumber: '4111-1111-1111-1111' },
    })
    expect(answer.status).toBe(200)
    expect(answer.body.items.map((item: { amount: number }) => item.amount).sort()).toEqual([101, 102, 103])
    expect(answer.raw).not.toContain(CARD.number)
    const other = await send(stack, partner, 'POST', '/payments/search', {
      body: { cardNumber: '5555555555554444' },
    })
    expect(other.body.items).toHaveLength(1)
    const none = await send(stack, partner, 'POST', '/payments/search', {
      body: { cardNumber: '4000056655665556' },
    })
    expect(none.body.items).toEqual([])
    expectError(
      await send(stack, partner, 'POST', '/payments/search', { body: { cardNumber: '1234' } }),
      400,
      'PaymentRequestInvalidError',
    )
  })
})

describe('POST /payments/search for a card with more payments than one read', () => {
  const partner = partnerName('card-history')
  // The README's bound: at most 100 payments per read, the rest behind cursor.
  const perRead = 100
  const paymentCount = 2 * perRead + 37
  let beacon: Uint8Array
  beforeAll(async () => {
    await stack.registerPartner(partner)
    const first = await create('card-history-1', order({ amount: 1 }), partner)
    await create(
      'card-history-other',
      order({ amount: 9, card: { ...CARD, number: '5555555555554444' } }),
      partner,
    )
    // The rest cloned from the first one's stored item (sealed number, beacon and all), written directly
    // (one BatchWriteItem per 25): through the API this would be 236 requests.
    const stored = (await storedPayment(partner, first.body.id))!
    beacon = stored.cardNumberBeacon!.B!
    const start = Date.now() + 1
    const clones = Array.from({ length: paymentCount - 1 }, (_, n) => {
      const id = newId('pay', start + n)
      return { ...stored, pk: { S: `PAYMENT#${id}` }, id: { S: id }, amount: { N: String(n + 2) } }
    })
    for (let at = 0; at < clones.length; at += 25) {
      let requests = clones.slice(at, at + 25).map((Item) => ({ PutRequest: { Item } }))
      while (requests.length > 0) {
        const { UnprocessedItems } = await stack.client.send(
          new BatchWriteItemCommand({ RequestItems: { [`${partner}-payments`]: requests } }),
        )
        requests = (UnprocessedItems?.[`${partner}-payments`] ?? []) as typeof requests
      }
    }
  })

  const search = (cardNumber: string, query?: Record<string, string>, who = partner) =>
    send(stack, who, 'POST', '/payments/search', { body: { cardNumber }, ...(query ? { query } : {}) })

  it('reads one page of matches and says where the rest are: the cursor pages through each once, oldest first', async () => {
    const amounts: number[] = []
    const pages: number[] = []
    const cursors: string[] = []
    let cursor: string | undefined
    do {
      const answer = await search(CARD.number, cursor === undefined ? undefined : { cursor })
      expect(answer.status).toBe(200)
      expect(answer.raw).not.toContain(CARD.number)
      pages.push(answer.body.items.length)
      amounts.push(...answer.body.items.map((item: { amount: number }) => item.amount))
      cursor = answer.body.cursor ?? undefined
      if (cursor !== undefined) cursors.push(cursor)
    } while (cursor !== undefined && pages.length < 10)
    expect(pages).toEqual([perRead, perRead, paymentCount - 2 * perRead])
    expect(amounts).toEqual(Array.from({ length: paymentCount }, (_, n) => n + 1))
    // Neither the number nor its beacon (a card-linking token) rides in a cursor, which travels in URLs.
    for (const each of cursors) {
      const decoded = Buffer.from(each.split('.')[0]!, 'base64url').toString('latin1')
      expect(decoded).not.toContain(CARD.number)
      expect(decoded).not.toContain(Buffer.from(beacon).toString('base64'))
      expect(decoded).not.toContain(Buffer.from(beacon).toString('latin1'))
    }
    const other = await search('5555555555554444')
    expect(other.body).toEqual({ items: [expect.objectContaining({ amount: 9 })], cursor: null })
    expect(logLines.join('\n')).not.toContain(CARD.number)
  })

  it('refuses a cursor of another card, route or partner, a tampered one, and unknown parameters, with 400', async () => {
    const cursor: string = (await search(CARD.number)).body.cursor
    expect(typeof cursor).toBe('string')
    const forged = `${cursor.slice(0, -2)}${cursor.endsWith('AA') ? 'BB' : 'AA'}`
    const listCursor: string = (
      await send(stack, partner, 'GET', '/payments', { query: { status: 'authorized', limit: '1' } })
    ).body.cursor
    const refused: Array<[Answer, string]> = [
      [await search('5555555555554444', { cursor }), 'ValidationError'],
      [await search(CARD.number, { cursor: forged }), 'ValidationError'],
      [await search(CARD.number, { cursor: listCursor }), 'ValidationError'],
      [await search(CARD.number, { cursor }, A), 'ValidationError'],
      [await search(CARD.number, { page: '2' }), 'PaymentRequestInvalidError'],
      [await search(CARD.number, { cursor: '' }), 'PaymentRequestInvalidError'],
    ]
    for (const [answer, name] of refused) expectError(answer, 400, name)
  })
})

describe('tenancy', () => {
  it("keeps each partner to its own account: B cannot read A's payment, forged headers are ignored", async () => {
    const id = (await create('tenancy-1')).body.id
    expectError(await send(stack, B, 'GET', `/payments/${id}`), 404, 'PaymentNotFoundError')
    const forged = await send(stack, B, 'GET', `/payments/${id}`, {
      headers: { 'x-partner-id': A, partner_id: A },
    })
    expectError(forged, 404, 'PaymentNotFoundError')
    const own = await send(stack, A, 'GET', `/payments/${id}`, { headers: { 'x-partner-id': B } })
    expect(own.status).toBe(200)
    // B's idempotency keys are its own: the same key runs B's request.
    const sameKey = await create('tenancy-1', order(), B)
    expect(sameKey.status).toBe(201)
    expect(sameKey.body.id).not.toBe(id)
  })

  it('refuses requests without a partner (401), with an unknown one (403) or a malformed id (400)', async () => {
    expectError(
      await send(stack, A, 'GET', '/payments', { claims: null, query: { status: 'authorized' } }),
      401,
      'PartnerMissingError',
    )
    expectError(
      await send(stack, 'nobody-here', 'GET', '/payments', { query: { status: 'authorized' } }),
      403,
      'UnknownPartnerError',
    )
    expectError(
      await send(stack, 'x', 'GET', '/payments', { claims: { partner_id: '../etc' } }),
      400,
      'MalformedPartnerIdError',
    )
  })

  it('answers unknown routes with 404', async () => {
    expectError(await send(stack, A, 'DELETE', '/payments'), 404, 'RouteNotFoundError')
    expectError(await send(stack, A, 'GET', '/refunds'), 404, 'RouteNotFoundError')
  })
})

describe('audit', () => {
  it('records every change, redacts card data, and the chain verifies', async () => {
    const id = (await create('audited')).body.id
    await send(stack, A, 'POST', `/payments/${id}/capture`, { key: 'audited-cap' })
    const db = stack.partnerDb(A)
    const { Items } = await stack.client.send(
      new QueryCommand({
        TableName: `${A}-audit`,
        IndexName: 'byEntity',
        KeyConditionExpression: 'entityRef = :ref',
        ExpressionAttributeValues: { ':ref': { S: `${A}#Payment#${JSON.stringify({ paymentId: id })}` } },
      }),
    )
    const entries = (Items ?? []).map((item) => JSON.parse(item.content!.S!))
    expect(entries.map((entry) => entry.action)).toEqual(['payment.authorize', 'payment.capture'])
    expect(entries[0].actor).toBe(`${A}-user`)
    expect(asText(entries)).not.toContain(CARD.number)
    expect(asText(entries)).not.toContain('12/2030')
    expect(entries[1].changes).toMatchObject({ status: { before: 'authorized', after: 'captured' } })
    expect(entries[0].changes.cardNumber.after).toBe(REDACTED)
    const verification = await verifyAuditChain({ db, partnerId: A })
    expect(verification.valid).toBe(true)
    expect(logLines.some((line) => line.includes('"audited request"'))).toBe(true)
    expect(logLines.join('\n')).not.toContain(CARD.number)
  })
})

describe('failures leave nothing half-written', () => {
  it('a fault of ours (the partner has no payments table): 500 to the caller, what failed to the log', async () => {
    const partner = partnerName('no-table')
    await stack.registerPartner(partner)
    await stack.client.send(new DeleteTableCommand({ TableName: `${partner}-payments` }))
    const failed = await create('no-table-1', order(), partner)
    expectError(failed, 500, 'InternalError')
    expect(failed.body.error.message).toBe('Internal error')
    const fault = logLines
      .map((line) => JSON.parse(line))
      .find((line) => line.error === 'InternalError' && line.fault?.name === 'TableNotFoundError')
    expect(fault.fault.message).toMatch(/DynamoDB table not found/)
    expect(fault.fault.at.length).toBeGreaterThan(0)
    expect(logLines.join('\n')).not.toContain(CARD.number)
  })

  it('KMS down: 503, no payment, the key is free for the retry', async () => {
    const partner = partnerName('kms-down')
    await stack.registerPartner(partner)
    stack.kms.faults.set({ serverError: 50, operation: ['GenerateDataKey', 'Decrypt'] })
    const failed = await create('kms-1', order(), partner)
    stack.kms.faults.reset()
    expectError(failed, 503, 'KmsUnavailableError')
    const { Items } = await stack.client.send(
      new ScanCommand({ TableName: `${partner}-payments`, ConsistentRead: true }),
    )
    expect(Items).toEqual([])
    expect((await create('kms-1', order(), partner)).status).toBe(201)
  })

  it('DynamoDB throttling the commit: 429, then the retry goes through', async () => {
    stack.proxy.faults.set({ throttle: 10, operation: 'TransactWriteItems' })
    const throttled = await create('throttled-1')
    stack.proxy.faults.reset()
    expectError(throttled, 429, 'ThrottledError')
    expect(throttled.headers['retry-after']).toBe('1')
    const retried = await create('throttled-1')
    expect(retried.status).toBe(201)
    expect(retried.headers['idempotent-replayed']).toBeUndefined()
  })

  it('STS refusing the partner role: 502, nothing written', async () => {
    const partner = partnerName('sts-off')
    const registered = await stack.registerPartner(partner)
    stack.sts.removeRole(registered.roleArn)
    expectError(await create('sts-1', order(), partner), 502, 'PartnerCredentialsError')
  })
})
