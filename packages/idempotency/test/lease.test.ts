// Leases that end without an outcome: a crash between lock and commit, the 'report' policy with its
// reconcile hook, the 'reexecute' policy, and fencing of the old owner in every case.
import { setTimeout as sleep } from 'node:timers/promises'
import { isDynamormError } from '@dynamorm/core'
import { httpApiEvent, lambdaContext } from '@dynamorm/testing'
import middy from '@middy/core'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import { describe, expect, it } from 'vitest'
import {
  type IdempotencyOptions,
  type IdempotencyRecord,
  idempotency,
  REPLAYED_HEADER,
} from '../src/index.ts'
import {
  clientMiddleware,
  gate,
  type HttpHandler,
  type HttpResult,
  invoke,
  paymentWrite,
  readPayment,
  readRecord,
  rejection,
  tablesForFile,
} from './fixtures.ts'

const tables = tablesForFile('lease-')

const LEASE_MS = 300
let keySeq = 0
const newKey = () => `lease-${Date.now()}-${++keySeq}`
const payment = (key: string, amount = 100) =>
  httpApiEvent({ method: 'POST', path: '/payments', body: { amount }, headers: { 'idempotency-key': key } })
const recordKeyOf = (key: string) => `#POST /payments#${key}`

/**
 * A payment handler whose first run can be held (a Lambda that stalls or dies after taking the lock);
 * each run writes the payment under its own run number, so the test can see which runs committed.
 */
function payments_(options: IdempotencyOptions = {}) {
  const held = gate()
  const runs: Array<{ takeover: IdempotencyRecord | undefined }> = []
  const handler = middy()
    .use(httpJsonBodyParser())
    .use(clientMiddleware())
    .use(idempotency({ table: tables.records.name, leaseMs: LEASE_MS, ...options }))
    .handler(async (event: any, context) => {
      const run = runs.push({ takeover: context.idempotency.takeover })
      if (run === 1) await held.promise
      context.db.unitOfWork.add(
        paymentWrite(tables.payments.name, `${context.idempotency.key}-run${run}`, event.body.amount),
      )
      return { statusCode: 201, body: `run ${run}` }
    }) as unknown as HttpHandler
  return { handler, runs, release: held.open }
}

/** Starts the first invocation and waits until it holds the lock, then past its lease. */
async function crashAfterLock(handler: HttpHandler, key: string): Promise<{ first: Promise<HttpResult> }> {
  const first = invoke(handler, payment(key))
  let settled = false
  first.then(
    () => (settled = true),
    () => (settled = true),
  )
  while (!settled && (await readRecord(tables.records.name, recordKeyOf(key))) === undefined);
  if (settled)
    throw new Error(`the first invocation ended before holding the lock: ${JSON.stringify(await first)}`)
  await sleep(LEASE_MS + 100)
  // Wrapped: an async function returning the promise itself would wait for it.
  return { first }
}

describe("onExpiredLease: 'report' (default)", () => {
  it('reports outcome unknown (409, distinct name) and leaves the stuck lock alone', async () => {
    const { handler, runs, release } = payments_()
    const key = newKey()
    const { first } = await crashAfterLock(handler, key)
    const stuck = await readRecord(tables.records.name, recordKeyOf(key))

    const retry = await invoke(handler, payment(key))
    expect(retry.statusCode).toBe(409)
    expect(retry.headers?.['retry-after']).toBeUndefined()
    expect(JSON.parse(retry.body!).error.name).toBe('IdempotencyOutcomeUnknownError')
    expect(runs).toHaveLength(1)
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toEqual(stuck)

    // The stalled first run was never taken over: it may still complete, and then everyone replays it.
    release()
    expect((await first).body).toBe('run 1')
    expect((await invoke(handler, payment(key))).headers?.[REPLAYED_HEADER]).toBe('true')
  })

  it('throws IdempotencyOutcomeUnknownError, with the public record, for non-HTTP callers', async () => {
    const { handler, release } = payments_({ httpResponses: false })
    const key = newKey()
    const { first } = await crashAfterLock(handler, key)
    const error = (await rejection(invoke(handler, payment(key)))) as Error & {
      details: { record: IdempotencyRecord }
    }
    expect(isDynamormError(error, 'IdempotencyOutcomeUnknownError')).toBe(true)
    expect(error.details.record).toMatchObject({ recordKey: recordKeyOf(key), status: 'IN_PROGRESS' })
    expect(error.details.record).not.toHaveProperty('owner')
    release()
    await first
  })

  it("reconcile 'reexecute': takes over (fenced), runs again, and the stalled owner can no longer commit", async () => {
    const seen: IdempotencyRecord[] = []
    const { handler, runs, release } = payments_({
      reconcile: async (record) => {
        seen.push(record)
        return 'reexecute'
      },
    })
    const key = newKey()
    const { first } = await crashAfterLock(handler, key)

    const retry = await invoke(handler, payment(key))
    expect(retry).toEqual({ statusCode: 201, body: 'run 2' })
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({ recordKey: recordKeyOf(key), status: 'IN_PROGRESS' })
    expect(seen[0]).not.toHaveProperty('owner')
    // The handler learns it took over an attempt whose outcome is unknown.
    expect(runs[1]?.takeover).toMatchObject({ recordKey: recordKeyOf(key), status: 'IN_PROGRESS' })

    const completed = await readRecord(tables.records.name, recordKeyOf(key))
    release()
    const stale = await first
    expect(stale.statusCode).toBe(409)
    expect(JSON.parse(stale.body!).error.name).toBe('IdempotencyLeaseLostError')
    // Fencing: the old owner's payment write and completion did not land, the new record is untouched.
    expect(await readPayment(tables.payments.name, `${key}-run1`)).toBeUndefined()
    expect(await readPayment(tables.payments.name, `${key}-run2`)).toMatchObject({ amount: 100 })
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toEqual(completed)
    expect((await invoke(handler, payment(key))).body).toBe('run 2')
  })

  it('reconcile { complete }: records the outcome the provider reported and replays it', async () => {
    const { handler, runs, release } = payments_({
      reconcile: async () => ({ complete: { statusCode: 201, body: 'settled at provider' } }),
    })
    const key = newKey()
    const { first } = await crashAfterLock(handler, key)
    const retry = await invoke(handler, payment(key))
    expect(retry).toEqual({
      statusCode: 201,
      body: 'settled at provider',
      headers: { [REPLAYED_HEADER]: 'true' },
    })
    expect(runs).toHaveLength(1)
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toMatchObject({ status: 'COMPLETED' })
    expect((await invoke(handler, payment(key))).body).toBe('settled at provider')
    release()
    expect(JSON.parse((await first).body!).error.name).toBe('IdempotencyLeaseLostError')
    expect(await readPayment(tables.payments.name, `${key}-run1`)).toBeUndefined()
  })

  it('reconcile { complete }: a stalled owner with nothing queued cannot pass the recorded outcome off as its own', async () => {
    const held = gate()
    let runs = 0
    // A direct completion (nothing queued): the handler acted at the provider itself.
    const handler = middy()
      .use(httpJsonBodyParser())
      .use(clientMiddleware())
      .use(
        idempotency({
          table: tables.records.name,
          leaseMs: LEASE_MS,
          reconcile: async () => ({ complete: { statusCode: 402, body: 'declined at provider' } }),
        }),
      )
      .handler(async () => {
        runs += 1
        await held.promise
        return { statusCode: 201, body: 'charged by the stalled owner' }
      }) as unknown as HttpHandler
    const key = newKey()
    const { first } = await crashAfterLock(handler, key)
    expect((await invoke(handler, payment(key))).body).toBe('declined at provider')
    const recorded = await readRecord(tables.records.name, recordKeyOf(key))
    held.open()
    // The outcome on record is the reconciler's: the stalled owner lost its lease, as it does when it
    // commits through the unit of work, and must not answer its caller something every retry contradicts.
    const stale = await first
    expect(stale.statusCode).toBe(409)
    expect(JSON.parse(stale.body!).error.name).toBe('IdempotencyLeaseLostError')
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toEqual(recorded)
    expect((await invoke(handler, payment(key))).body).toBe('declined at provider')
    expect(runs).toBe(1)
  })

  it("reconcile 'report': still unknown, nothing written", async () => {
    const { handler, release } = payments_({ reconcile: async () => 'report' })
    const key = newKey()
    const { first } = await crashAfterLock(handler, key)
    const stuck = await readRecord(tables.records.name, recordKeyOf(key))
    expect(JSON.parse((await invoke(handler, payment(key))).body!).error.name).toBe(
      'IdempotencyOutcomeUnknownError',
    )
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toEqual(stuck)
    release()
    await first
  })

  it('a reconcile that finds the old owner completed meanwhile replays its outcome', async () => {
    let firstRun: Promise<HttpResult> | undefined
    const { handler, release } = payments_({
      reconcile: async () => {
        // The stalled owner wakes up and completes while the provider is being asked.
        release()
        await firstRun
        return { complete: { statusCode: 500, body: 'should not be stored' } }
      },
    })
    const key = newKey()
    firstRun = (await crashAfterLock(handler, key)).first
    const retry = await invoke(handler, payment(key))
    expect(retry).toMatchObject({ statusCode: 201, body: 'run 1', headers: { [REPLAYED_HEADER]: 'true' } })
  })

  it('a reconcile hook that throws fails the retry and writes nothing', async () => {
    const { handler, release } = payments_({
      reconcile: async () => {
        throw new Error('provider unreachable')
      },
    })
    const key = newKey()
    const { first } = await crashAfterLock(handler, key)
    const stuck = await readRecord(tables.records.name, recordKeyOf(key))
    expect((await rejection(invoke(handler, payment(key)))).message).toBe('provider unreachable')
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toEqual(stuck)
    release()
    await first
  })
})

describe("onExpiredLease: 'reexecute'", () => {
  it('takes an expired lease over in the lock itself and fences the old owner', async () => {
    const { handler, runs, release } = payments_({ onExpiredLease: 'reexecute' })
    const key = newKey()
    const { first } = await crashAfterLock(handler, key)
    expect(await invoke(handler, payment(key))).toEqual({ statusCode: 201, body: 'run 2' })
    expect(runs[1]?.takeover).toMatchObject({ status: 'IN_PROGRESS' })
    release()
    expect(JSON.parse((await first).body!).error.name).toBe('IdempotencyLeaseLostError')
    expect(await readPayment(tables.payments.name, `${key}-run1`)).toBeUndefined()
    expect(await readPayment(tables.payments.name, `${key}-run2`)).toBeDefined()
  })

  it('never takes over for another payload: that is a 422', async () => {
    const { handler, release } = payments_({ onExpiredLease: 'reexecute' })
    const key = newKey()
    const { first } = await crashAfterLock(handler, key)
    expect((await invoke(handler, payment(key, 999))).statusCode).toBe(422)
    release()
    expect((await first).body).toBe('run 1')
  })

  it('an old owner that throws after a takeover cannot release the new lock', async () => {
    const held = gate()
    let run = 0
    const handler = middy()
      .use(httpJsonBodyParser())
      .use(clientMiddleware())
      .use(idempotency({ table: tables.records.name, leaseMs: LEASE_MS, onExpiredLease: 'reexecute' }))
      .handler(async () => {
        run += 1
        if (run === 1) {
          await held.promise
          throw new Error('stale owner fails')
        }
        return { statusCode: 201, body: 'new owner' }
      }) as unknown as HttpHandler
    const key = newKey()
    const { first } = await crashAfterLock(handler, key)
    expect(await invoke(handler, payment(key))).toEqual({ statusCode: 201, body: 'new owner' })
    const completed = await readRecord(tables.records.name, recordKeyOf(key))
    held.open()
    expect((await rejection(first)).message).toBe('stale owner fails')
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toEqual(completed)
  })
})

describe("a handler cut short by Middy's early timeout", () => {
  it('keeps the lock: the handler may still be acting, so the retry gets 409, not a second run', async () => {
    const held = gate()
    let runs = 0
    // Middy throws TimeoutError this long before the deadline, with the handler still running; time
    // enough for DynamoDB calls to start (dynamoClient refuses them within 500 ms of the deadline).
    const handler = middy({ timeoutEarlyInMillis: 1_000 })
      .use(httpJsonBodyParser())
      .use(clientMiddleware())
      .use(idempotency({ table: tables.records.name }))
      .handler(async () => {
        runs += 1
        await held.promise
        return { statusCode: 201, body: 'charged' }
      }) as unknown as HttpHandler
    const key = newKey()
    const error = await rejection(invoke(handler, payment(key), lambdaContext({ timeoutMs: 2_000 })))
    expect(error.name).toBe('TimeoutError')
    expect(await readRecord(tables.records.name, recordKeyOf(key))).toMatchObject({ status: 'IN_PROGRESS' })
    const retry = await invoke(handler, payment(key))
    expect(retry.statusCode).toBe(409)
    expect(runs).toBe(1)
    held.open()
  })
})
