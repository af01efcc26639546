// Opt-in retries of transactions cancelled by TransactionConflict, against DynamoDB Local through the
// fault proxy (DynamoDB Local serialises requests, so the proxy answers the conflict as DynamoDB does).
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { type DynamoFaultProxy, localDynamoClient, startDynamoFaultProxy } from '@dynamorm/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  createDb,
  type Db,
  DynamormError,
  isDynamormError,
  TransactionCancelledError,
  transactWrite,
} from '../src/index.ts'
import { isConflictOnly, withConflictRetries } from '../src/transaction-conflict-retry.ts'
import { Payment, paymentsTableForFile, uniqueId } from './fixtures.ts'

const env = paymentsTableForFile()
let proxy: DynamoFaultProxy
let client: DynamoDBClient
let db: Db
// The ClientRequestToken of every TransactWriteItems the proxied client sends, attempt by attempt.
const tokens: Array<string | undefined> = []

beforeAll(async () => {
  proxy = await startDynamoFaultProxy(env.endpoint)
  client = localDynamoClient(proxy.endpoint, { maxAttempts: 1 })
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'TransactWriteItemsCommand') {
        tokens.push((args.input as { ClientRequestToken?: string }).ClientRequestToken)
      }
      return next(args)
    },
    { step: 'initialize' },
  )
  db = createDb({ ...env.db.options, client })
})
afterAll(async () => {
  client.destroy()
  await proxy.close()
})
beforeEach(() => {
  proxy.faults.reset()
  tokens.length = 0
})

const payment = (id = uniqueId('conflict')) => ({
  partnerId: 'cr',
  id,
  amount: 10,
  status: 'PENDING' as const,
})
const stored = (id: string) => env.db.model(Payment).get({ partnerId: 'cr', id }, { consistent: true })
const transactCalls = () => proxy.calls('TransactWriteItems')
const codesOf = (error: unknown) => (error as TransactionCancelledError).reasons.map((reason) => reason.code)

describe('transactWrite with conflictRetries', () => {
  it('sends a conflicted transaction again with the same token: the items land, in exactly 2 calls', async () => {
    const payments = db.model(Payment)
    const [a, b] = [payment(), payment()]
    const items = [await payments.transactItem.create(a), await payments.transactItem.create(b)]
    proxy.faults.set({ transactionConflict: 1 })
    const before = transactCalls()
    const meter = db.forRequest()
    await transactWrite(meter, items, {
      clientRequestToken: 'conflict-once',
      conflictRetries: 2,
      baseDelayMs: 1,
    })
    expect(transactCalls() - before).toBe(2)
    expect(tokens).toEqual(['conflict-once', 'conflict-once'])
    expect((await stored(a.id))?.amount).toBe(10)
    expect((await stored(b.id))?.amount).toBe(10)
    // Both attempts were billed calls; the cancelled one is a failed call.
    expect(meter.meter.totals()).toMatchObject({ calls: 2, failedCalls: 1 })
  })

  it('applies a non-idempotent update once, however often it is sent under the same token', async () => {
    const payments = db.model(Payment)
    const existing = await env.db.model(Payment).create(payment())
    const key = { partnerId: 'cr', id: existing.id }
    const items = [await payments.transactItem.update(key, { add: { amount: 5 } })]
    proxy.faults.set({ transactionConflict: 2 })
    await transactWrite(db, items, {
      clientRequestToken: `add-${existing.id}`.slice(0, 36),
      conflictRetries: 3,
    })
    // The same request again (a client retry within 10 minutes): DynamoDB replays, does not re-apply.
    await transactWrite(db, items, { clientRequestToken: `add-${existing.id}`.slice(0, 36) })
    expect(tokens).toHaveLength(4)
    expect(new Set(tokens).size).toBe(1)
    expect((await stored(existing.id))?.amount).toBe(15)
  })

  it('throws the TransactionCancelledError when conflicts outlast the budget, and writes nothing', async () => {
    const payments = db.model(Payment)
    const [a, b] = [payment(), payment()]
    const items = [await payments.transactItem.create(a), await payments.transactItem.create(b)]
    proxy.faults.set({ transactionConflict: 3, conflictItemIndex: 1 })
    const before = transactCalls()
    const error = await transactWrite(db, items, {
      clientRequestToken: 'conflict-exhausted',
      conflictRetries: 2,
      baseDelayMs: 1,
    }).catch((e: unknown) => e)
    expect(isDynamormError(error, 'TransactionCancelledError')).toBe(true)
    expect(error).toMatchObject({ status: 409, details: { attempts: 3 } })
    expect(codesOf(error)).toEqual(['None', 'TransactionConflict'])
    expect(transactCalls() - before).toBe(3)
    expect(await stored(a.id)).toBeUndefined()
    expect(await stored(b.id)).toBeUndefined()
  })

  it('never retries a ConditionalCheckFailed cancellation', async () => {
    const payments = db.model(Payment)
    const existing = await env.db.model(Payment).create(payment())
    const fresh = payment()
    const items = [await payments.transactItem.create(fresh), await payments.transactItem.create(existing)]
    const before = transactCalls()
    const error = await transactWrite(db, items, {
      clientRequestToken: 'condition-failed',
      conflictRetries: 5,
      baseDelayMs: 1,
    }).catch((e: unknown) => e)
    expect(codesOf(error)).toEqual(['None', 'ConditionalCheckFailed'])
    expect(error).toMatchObject({ details: { attempts: 1 } })
    expect(transactCalls() - before).toBe(1)
    expect(await stored(fresh.id)).toBeUndefined()
  })

  it('stops at a condition failure met on a retry, with budget left', async () => {
    const payments = db.model(Payment)
    const existing = await env.db.model(Payment).create(payment())
    const fresh = payment()
    const items = [await payments.transactItem.create(fresh), await payments.transactItem.create(existing)]
    proxy.faults.set({ transactionConflict: 1 })
    const before = transactCalls()
    const error = await transactWrite(db, items, {
      clientRequestToken: 'conflict-then-condition',
      conflictRetries: 5,
      baseDelayMs: 1,
    }).catch((e: unknown) => e)
    expect(codesOf(error)).toEqual(['None', 'ConditionalCheckFailed'])
    expect(transactCalls() - before).toBe(2)
    expect(await stored(fresh.id)).toBeUndefined()
  })

  it('is off by default: one call, the conflict surfaces as it came', async () => {
    const items = [await db.model(Payment).transactItem.create(payment())]
    proxy.faults.set({ transactionConflict: 1 })
    const before = transactCalls()
    const error = await transactWrite(db, items, { clientRequestToken: 'off' }).catch((e: unknown) => e)
    expect(codesOf(error)).toEqual(['TransactionConflict'])
    expect((error as DynamormError).details).not.toHaveProperty('attempts')
    expect(transactCalls() - before).toBe(1)
  })

  it('refuses bad retry options before sending anything', async () => {
    const items = [await db.model(Payment).transactItem.create(payment())]
    const bad: Array<[unknown, RegExp]> = [
      [{ clientRequestToken: 't', conflictRetries: -1 }, /conflictRetries/],
      [{ clientRequestToken: 't', conflictRetries: 1.5 }, /conflictRetries/],
      [{ clientRequestToken: 't', conflictRetries: 11 }, /conflictRetries/],
      [{ clientRequestToken: 't', conflictRetries: '2' }, /conflictRetries/],
      [{ clientRequestToken: 't', conflictRetries: 1, baseDelayMs: -1 }, /baseDelayMs/],
      [{ clientRequestToken: 't', conflictRetries: 1, baseDelayMs: Number.NaN }, /baseDelayMs/],
      [{ clientRequestToken: 't', conflictRetries: 1, baseDelayMs: 1001 }, /baseDelayMs/],
      [{ clientRequestToken: 't', conflictRetries: 1, baseDelayMs: '5' }, /baseDelayMs/],
      [{ conflictRetries: 1 }, /needs a clientRequestToken/],
      [null, /must be an object/],
    ]
    proxy.faults.set({ transactionConflict: 1 })
    const before = transactCalls()
    for (const [options, message] of bad) {
      const error = await transactWrite(db, items, options as never).catch((e: unknown) => e)
      expect(isDynamormError(error, 'ValidationError'), String(message)).toBe(true)
      expect((error as Error).message).toMatch(message)
    }
    expect(transactCalls() - before).toBe(0)
    // The limits themselves are accepted (and the injected conflict is still there to be retried).
    await transactWrite(db, items, { clientRequestToken: 'limits', conflictRetries: 10, baseDelayMs: 0 })
    expect(transactCalls() - before).toBe(2)
  })
})

describe('UnitOfWork.commit with conflictRetries', () => {
  it('commits after a conflict, tells listeners once, and keeps commit(token) as it was', async () => {
    const request = db.forRequest()
    const [a, b] = [payment(), payment()]
    await request.model(Payment).queue.create(a, { label: 'payment' })
    await request.model(Payment).queue.create(b, { label: 'audit' })
    const outcomes: unknown[] = []
    request.unitOfWork.onSettled((outcome) => outcomes.push(outcome))
    proxy.faults.set({ transactionConflict: 1 })
    const before = transactCalls()
    const requestId = `lambda-request-${'x'.repeat(40)}` // longer than 36: hashed, the same on every attempt
    expect(await request.unitOfWork.commit(requestId, { conflictRetries: 1, baseDelayMs: 1 })).toBe(2)
    expect(transactCalls() - before).toBe(2)
    expect(tokens).toHaveLength(2)
    expect(tokens[0]).toHaveLength(36)
    expect(tokens[1]).toBe(tokens[0])
    expect(outcomes).toEqual([{ committed: true, writes: 2 }])
    expect((await stored(a.id))?.id).toBe(a.id)
    expect((await stored(b.id))?.id).toBe(b.id)
    expect(request.unitOfWork.size).toBe(0)
  })

  it('throws the cancellation with its labels when retries run out; nothing lands, the queue is empty', async () => {
    const request = db.forRequest()
    const [a, b] = [payment(), payment()]
    await request.model(Payment).queue.create(a, { label: 'payment' })
    await request.model(Payment).queue.create(b, { label: 'audit' })
    const outcomes: Array<{ committed: boolean; error?: unknown }> = []
    request.unitOfWork.onSettled((outcome) => outcomes.push(outcome))
    proxy.faults.set({ transactionConflict: 2 })
    const error = await request.unitOfWork
      .commit('uow-exhausted', { conflictRetries: 1, baseDelayMs: 1 })
      .catch((e: unknown) => e)
    expect(isDynamormError(error, 'TransactionCancelledError')).toBe(true)
    expect((error as TransactionCancelledError).reasons.map((r) => [r.code, r.label])).toEqual([
      ['TransactionConflict', 'payment'],
      ['None', 'audit'],
    ])
    expect(tokens).toEqual(['uow-exhausted', 'uow-exhausted'])
    expect(outcomes).toEqual([{ committed: false, writes: 2, error }])
    expect(request.unitOfWork.size).toBe(0)
    expect(await stored(a.id)).toBeUndefined()
  })

  it('refuses retries without a token before sending, keeping the writes queued', async () => {
    const request = db.forRequest()
    await request.model(Payment).queue.create(payment())
    const outcomes: Array<{ committed: boolean }> = []
    request.unitOfWork.onSettled((outcome) => outcomes.push(outcome))
    const before = transactCalls()
    const error = await request.unitOfWork.commit(undefined, { conflictRetries: 2 }).catch((e: unknown) => e)
    expect(isDynamormError(error, 'ValidationError')).toBe(true)
    expect(transactCalls() - before).toBe(0)
    expect(outcomes).toMatchObject([{ committed: false, writes: 1 }])
    expect(request.unitOfWork.size).toBe(1)
    // Without retries a conflict is thrown at once, as before.
    proxy.faults.set({ transactionConflict: 1 })
    const conflict = await request.unitOfWork.commit('uow-off').catch((e: unknown) => e)
    expect(codesOf(conflict)).toEqual(['TransactionConflict'])
    expect(transactCalls() - before).toBe(1)
  })
})

describe('which cancellations are conflicts', () => {
  const cancelled = (...codes: string[]) =>
    new TransactionCancelledError(codes.map((code, index) => ({ index, code })))

  it('retries only cancellations whose every reason is None or TransactionConflict', () => {
    expect(isConflictOnly(cancelled('TransactionConflict'))).toBe(true)
    expect(isConflictOnly(cancelled('None', 'TransactionConflict', 'TransactionConflict'))).toBe(true)
    expect(isConflictOnly(cancelled('TransactionConflict', 'ConditionalCheckFailed'))).toBe(false)
    expect(isConflictOnly(cancelled('TransactionConflict', 'ThrottlingError'))).toBe(false)
    expect(isConflictOnly(cancelled('None', 'ValidationError'))).toBe(false)
    expect(isConflictOnly(cancelled('None'))).toBe(false)
    expect(isConflictOnly(cancelled())).toBe(false)
    expect(isConflictOnly(new DynamormError('ThrottledError', 429, 'TransactionConflict'))).toBe(false)
    expect(isConflictOnly(new Error('TransactionConflict'))).toBe(false)
    expect(isConflictOnly(undefined)).toBe(false)
  })

  it('passes other failures through untouched, and stops at the first success', async () => {
    const plain = new Error('socket hang up')
    const thrown = await withConflictRetries({ retries: 3, baseDelayMs: 0, maxDelayMs: 1000 }, () =>
      Promise.reject(plain),
    ).catch((e: unknown) => e)
    expect(thrown).toBe(plain)
    let attempts = 0
    const result = await withConflictRetries(
      { retries: 3, baseDelayMs: 1000, maxDelayMs: 1000 },
      async () => {
        attempts += 1
        if (attempts < 3) throw cancelled('TransactionConflict')
        return 'landed'
      },
      () => 0, // no wait: the jitter draws zero
    )
    expect(result).toBe('landed')
    expect(attempts).toBe(3)
  })
})
