// The lock, completion and release primitives against DynamoDB Local, through a plain Db (no Middy).
import { randomUUID } from 'node:crypto'
import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { createDb, type DynamormError, isDynamormError, type TransactionCancelledError } from '@dynamorm/core'
import { localDynamoClient, startDynamoFaultProxy } from '@dynamorm/testing'
import { beforeAll, describe, expect, it } from 'vitest'
import {
  COMPLETION_LABEL,
  completionPut,
  completionWrite,
  releaseDelete,
  releaseWrite,
  sendCompletion,
} from '../src/completion.ts'
import { decide, heldLock, type LockRequest, lockInput, sendLock, takeOverInput } from '../src/lock.ts'
import type { RecordTable, StoredRecord } from '../src/record.ts'
import { encodeResponse } from '../src/stored-response.ts'
import {
  admin,
  endpoint,
  paymentWrite,
  putRawRecord,
  readPayment,
  readRecord,
  rejection,
  tablesForFile,
} from './fixtures.ts'

const tables = tablesForFile('lock-')
let table: RecordTable

beforeAll(async () => {
  table = {
    tableName: tables.records.name,
    partitionKey: 'pk',
    sortKey: undefined,
    ttlAttribute: 'expiresAt',
  }
})

const db = () => createDb({ client: localDynamoClient(endpoint) })

function lockRequest(overrides: Partial<LockRequest> = {}): LockRequest {
  return {
    table,
    recordKey: `p#POST /payments#${randomUUID()}`,
    fingerprint: 'f'.repeat(64),
    ownerToken: randomUUID(),
    requestId: randomUUID(),
    nowMs: Date.now(),
    leaseMs: 30_000,
    ttlSeconds: 86_400,
    takeOverExpiredLease: false,
    ...overrides,
  }
}

const lock = (request: LockRequest) => sendLock(db(), request, lockInput(request))
const owned = heldLock
const json = (value: unknown) =>
  encodeResponse(value, { compressAboveBytes: 4096, maxResponseBytes: 1 << 20 })

describe('lockInput (pure)', () => {
  it('is one conditional PutItem that returns the blocking record on failure', () => {
    const request = lockRequest({ nowMs: 1_700_000_000_123, leaseMs: 5000 })
    const input = lockInput(request)
    expect(input.ConditionExpression).toBe('attribute_not_exists(#pk) OR #expiresAt < :nowSeconds')
    expect(input.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD')
    // Only a takeover can replace a live record, so only then is the replaced one asked for.
    expect(input.ReturnValues).toBeUndefined()
    expect(input.ExpressionAttributeValues).toEqual({ ':nowSeconds': { N: '1700000000' } })
    expect(input.Item).toMatchObject({
      pk: { S: request.recordKey },
      status: { S: 'IN_PROGRESS' },
      ownerToken: { S: request.ownerToken },
      leaseExpiresAt: { N: '1700000005123' },
      expiresAt: { N: String(1_700_000_000 + 86_400) },
    })
  })

  it('adds the takeover clause only when the policy allows it, and only for the same payload', () => {
    const input = lockInput(lockRequest({ takeOverExpiredLease: true }))
    // Only `status` is a DynamoDB reserved word; the other record attributes are named as they are.
    expect(input.ConditionExpression).toContain(
      '(#status = :inProgress AND leaseExpiresAt < :nowMs AND fingerprint = :fingerprint)',
    )
    expect(input.ReturnValues).toBe('ALL_OLD')
  })

  it('puts the sort key value on tables that have one', () => {
    const input = lockInput(lockRequest({ table: { ...table, sortKey: 'sk' } }))
    expect(input.Item?.sk).toEqual({ S: 'idempotency' })
  })
})

describe('decide (pure)', () => {
  // As the record was written: key and TTL under the table's attribute names.
  const record = (overrides: Partial<StoredRecord>): StoredRecord => ({
    pk: 'k',
    status: 'IN_PROGRESS',
    fingerprint: 'a',
    ownerToken: 'o',
    lockedAt: 0,
    leaseExpiresAt: 10_000,
    expiresAt: 0,
    ...overrides,
  })
  const at = (nowMs: number) => lockRequest({ fingerprint: 'a', nowMs })
  const refusal = (outcome: ReturnType<typeof decide>) =>
    outcome.kind === 'refused' ? (outcome.error as DynamormError & { retryAfterSeconds?: number }) : undefined

  it('refuses another payload (422) before anything else, even while in flight', () => {
    for (const status of ['IN_PROGRESS', 'COMPLETED'] as const) {
      const error = refusal(decide(record({ fingerprint: 'b', status }), at(0)))
      expect(isDynamormError(error, 'IdempotencyPayloadMismatchError') && error.status).toBe(422)
    }
  })

  it('replays a completed record for the same payload', () => {
    expect(decide(record({ status: 'COMPLETED' }), at(0)).kind).toBe('completed')
  })

  it('gives Retry-After in whole seconds until the lease ends, at least 1', () => {
    const inFlight = decide(record({ leaseExpiresAt: 10_000 }), at(7_500))
    expect(isDynamormError(refusal(inFlight), 'IdempotencyInFlightError')).toBe(true)
    expect(refusal(inFlight)?.retryAfterSeconds).toBe(3)
    expect(refusal(decide(record({ leaseExpiresAt: 10_000 }), at(9_999)))?.retryAfterSeconds).toBe(1)
    expect(refusal(decide(record({ leaseExpiresAt: 10_000 }), at(10_000)))?.retryAfterSeconds).toBe(1)
  })

  it('reports a lease that ended without an outcome (409) with the public record in its details', () => {
    for (const leaseExpiresAt of [10_000, undefined]) {
      const error = refusal(decide(record({ leaseExpiresAt }), at(10_001)))
      expect(isDynamormError(error, 'IdempotencyOutcomeUnknownError') && error.status).toBe(409)
      expect(error?.details).toEqual({
        record: {
          recordKey: 'k',
          status: 'IN_PROGRESS',
          fingerprint: 'a',
          lockedAt: 0,
          leaseExpiresAt,
          expiresAt: 0,
          requestId: undefined,
          completedAt: undefined,
        },
      })
    }
  })
})

describe('sendLock against DynamoDB Local', () => {
  it('takes a free key with one PutItem', async () => {
    const request = lockRequest()
    const local = db()
    expect(await sendLock(local, request, lockInput(request))).toEqual({
      kind: 'acquired',
      previous: undefined,
    })
    expect(local.meter.totals().calls).toBe(1)
    expect(await readRecord(tables.records.name, request.recordKey)).toMatchObject({
      status: 'IN_PROGRESS',
      ownerToken: request.ownerToken,
      fingerprint: request.fingerprint,
      requestId: request.requestId,
    })
  })

  it('gives a duplicate the running record from the failed condition: one call, no read, nothing written', async () => {
    const first = lockRequest()
    await lock(first)
    const before = await readRecord(tables.records.name, first.recordKey)
    const proxy = await startDynamoFaultProxy(endpoint)
    try {
      const viaProxy = createDb({ client: localDynamoClient(proxy.endpoint) })
      const duplicate = { ...first, ownerToken: randomUUID(), nowMs: Date.now() }
      const outcome = await sendLock(viaProxy, duplicate, lockInput(duplicate))
      expect(outcome).toMatchObject({
        kind: 'refused',
        error: { name: 'IdempotencyInFlightError' },
        record: { ownerToken: first.ownerToken, status: 'IN_PROGRESS' },
      })
      expect(proxy.calls()).toBe(1)
      expect(proxy.calls('PutItem')).toBe(1)
    } finally {
      await proxy.close()
    }
    expect(await readRecord(tables.records.name, first.recordKey)).toEqual(before)
  })

  it('treats a record whose TTL passed as absent (DynamoDB Local never deletes it)', async () => {
    const request = lockRequest()
    await putRawRecord(tables.records.name, {
      pk: request.recordKey,
      status: 'COMPLETED',
      ownerToken: 'old',
      fingerprint: 'another payload',
      expiresAt: Math.floor(Date.now() / 1000) - 5,
      response: '{}',
      responseEncoding: 'json',
    })
    expect(await lock(request)).toEqual({ kind: 'acquired', previous: undefined })
    expect(await readRecord(tables.records.name, request.recordKey)).toMatchObject({
      ownerToken: request.ownerToken,
    })
  })

  it('keeps a record alive while its lease runs, even when ttlSeconds is shorter than the lease', async () => {
    // Taken 3 s ago with a 1 s TTL and a 60 s lease: the holder is still running.
    const first = lockRequest({ ttlSeconds: 1, leaseMs: 60_000, nowMs: Date.now() - 3000 })
    await lock(first)
    const duplicate = { ...first, ownerToken: randomUUID(), nowMs: Date.now() }
    expect(await lock(duplicate)).toMatchObject({
      kind: 'refused',
      error: { name: 'IdempotencyInFlightError' },
    })
    expect(await readRecord(tables.records.name, first.recordKey)).toMatchObject({
      ownerToken: first.ownerToken,
    })
  })

  it("under 'report', leaves an expired lease alone and reports it", async () => {
    const first = lockRequest({ leaseMs: 1, nowMs: Date.now() - 1000 })
    await lock(first)
    const retry = { ...first, ownerToken: randomUUID(), nowMs: Date.now() }
    const outcome = await lock(retry)
    expect(outcome).toMatchObject({ kind: 'refused', error: { name: 'IdempotencyOutcomeUnknownError' } })
    expect(await readRecord(tables.records.name, first.recordKey)).toMatchObject({
      ownerToken: first.ownerToken,
    })
  })

  it("under 'reexecute', takes an expired lease over (same payload only) and says whose it was", async () => {
    const first = lockRequest({ leaseMs: 1, nowMs: Date.now() - 1000 })
    await lock(first)
    const other = {
      ...first,
      ownerToken: randomUUID(),
      fingerprint: 'other',
      nowMs: Date.now(),
      takeOverExpiredLease: true,
    }
    expect(await lock(other)).toMatchObject({ error: { name: 'IdempotencyPayloadMismatchError' } })
    const retry = { ...first, ownerToken: randomUUID(), nowMs: Date.now(), takeOverExpiredLease: true }
    const outcome = await lock(retry)
    expect(outcome.kind).toBe('acquired')
    expect(outcome.kind === 'acquired' && outcome.previous?.ownerToken).toBe(first.ownerToken)
    expect(await readRecord(tables.records.name, first.recordKey)).toMatchObject({
      ownerToken: retry.ownerToken,
    })
  })

  it('fences a takeover on the old owner token: of two reconcilers only one wins', async () => {
    const first = lockRequest({ leaseMs: 1, nowMs: Date.now() - 1000 })
    await lock(first)
    const expired = (await lock({ ...first, ownerToken: randomUUID() })) as {
      kind: string
      record: StoredRecord
    }
    const a = { ...first, ownerToken: randomUUID(), nowMs: Date.now() }
    const b = { ...first, ownerToken: randomUUID(), nowMs: Date.now() }
    const outcomes = await Promise.all([
      sendLock(db(), a, takeOverInput(a, expired.record)),
      sendLock(db(), b, takeOverInput(b, expired.record)),
    ])
    expect(outcomes.map((outcome) => outcome.kind).sort()).toEqual(['acquired', 'refused'])
    expect(outcomes.find((outcome) => outcome.kind === 'refused')).toMatchObject({
      error: { name: 'IdempotencyInFlightError' },
    })
  })

  it('says absent when a fenced takeover finds the record released meanwhile', async () => {
    const first = lockRequest({ leaseMs: 1, nowMs: Date.now() - 1000 })
    await lock(first)
    const expired = (await lock({ ...first, ownerToken: randomUUID() })) as { record: StoredRecord }
    await db().send(new DeleteItemCommand(releaseDelete(owned(first))))
    const retry = { ...first, ownerToken: randomUUID() }
    expect(await sendLock(db(), retry, takeOverInput(retry, expired.record))).toEqual({ kind: 'absent' })
  })

  it('refuses to treat a foreign item under the key as a record', async () => {
    const request = lockRequest()
    await putRawRecord(tables.records.name, {
      pk: request.recordKey,
      note: 'not a record',
      expiresAt: 9_999_999_999,
    })
    const error = await rejection(lock(request))
    expect(isDynamormError(error, 'IdempotencyConfigurationError')).toBe(true)
  })

  it('surfaces a missing table as core’s typed error', async () => {
    const request = lockRequest({ table: { ...table, tableName: 'no-such-idempotency-table' } })
    expect(isDynamormError(await rejection(lock(request)), 'TableNotFoundError')).toBe(true)
  })
})

describe('completion and release', () => {
  it('completes through the unit of work together with the business write', async () => {
    const request = lockRequest()
    await lock(request)
    const local = db()
    local.unitOfWork.add(paymentWrite(tables.payments.name, request.recordKey, 100))
    local.unitOfWork.add(
      completionWrite(completionPut(owned(request), json({ statusCode: 201 }), Date.now(), 60)),
      {
        label: COMPLETION_LABEL,
      },
    )
    expect(await local.unitOfWork.commit('req-1')).toBe(2)
    expect(await readPayment(tables.payments.name, request.recordKey)).toMatchObject({ amount: 100 })
    const record = await readRecord(tables.records.name, request.recordKey)
    // The whole record written again: the lock's own fields kept, its lease gone.
    expect(record).toMatchObject({
      status: 'COMPLETED',
      response: '{"statusCode":201}',
      responseEncoding: 'json',
      ownerToken: request.ownerToken,
      fingerprint: request.fingerprint,
      lockedAt: request.nowMs,
      requestId: request.requestId,
    })
    expect(record?.leaseExpiresAt).toBeUndefined()
  })

  it('stores an undefined response as no response at all', async () => {
    const request = lockRequest()
    await lock(request)
    const local = db()
    local.unitOfWork.add(completionWrite(completionPut(owned(request), json(undefined), Date.now(), 60)))
    await local.unitOfWork.commit()
    const record = await readRecord(tables.records.name, request.recordKey)
    expect(record).toMatchObject({ status: 'COMPLETED', responseEncoding: 'none' })
    expect(record && 'response' in record).toBe(false)
  })

  it('fences completion: an owner whose lease was taken over commits nothing, and the new lock is untouched', async () => {
    const old = lockRequest({ leaseMs: 1, nowMs: Date.now() - 1000 })
    await lock(old)
    const taker = { ...old, ownerToken: randomUUID(), nowMs: Date.now(), takeOverExpiredLease: true }
    expect((await lock(taker)).kind).toBe('acquired')
    const held = await readRecord(tables.records.name, old.recordKey)

    const local = db()
    local.unitOfWork.add(paymentWrite(tables.payments.name, old.recordKey, 100), { label: 'payment' })
    local.unitOfWork.add(
      completionWrite(completionPut(owned(old), json({ statusCode: 201 }), Date.now(), 60)),
      {
        label: COMPLETION_LABEL,
      },
    )
    const error = (await rejection(local.unitOfWork.commit())) as unknown as TransactionCancelledError
    expect(isDynamormError(error, 'TransactionCancelledError')).toBe(true)
    const reason = error.reasons.find((entry) => entry.label === COMPLETION_LABEL)
    expect(reason?.code).toBe('ConditionalCheckFailed')
    expect(reason?.item).toMatchObject({ ownerToken: taker.ownerToken })
    expect(await readPayment(tables.payments.name, old.recordKey)).toBeUndefined()
    expect(await readRecord(tables.records.name, old.recordKey)).toEqual(held)
  })

  it('fences release: only the owner deletes, and never a completed record', async () => {
    const request = lockRequest()
    await lock(request)
    const stranger = { ...owned(request), ownerToken: randomUUID() }
    expect(
      isDynamormError(
        await rejection(db().send(new DeleteItemCommand(releaseDelete(stranger)))),
        'ConditionFailedError',
      ),
    ).toBe(true)
    expect(await readRecord(tables.records.name, request.recordKey)).toBeDefined()

    const local = db()
    local.unitOfWork.add(completionWrite(completionPut(owned(request), json('done'), Date.now(), 60)))
    await local.unitOfWork.commit()
    // The owner's own release after a commit whose answer was lost must not undo the completion.
    expect(
      isDynamormError(
        await rejection(db().send(new DeleteItemCommand(releaseDelete(owned(request))))),
        'ConditionFailedError',
      ),
    ).toBe(true)
    expect(await readRecord(tables.records.name, request.recordKey)).toMatchObject({ status: 'COMPLETED' })
  })

  it('sendCompletion: completes directly; a retry that finds its own completion succeeds; another owner is lease lost', async () => {
    const request = lockRequest()
    await lock(request)
    const update = completionPut(owned(request), json({ statusCode: 201 }), Date.now(), 60)
    await sendCompletion(db(), owned(request), update)
    expect(await readRecord(tables.records.name, request.recordKey)).toMatchObject({ status: 'COMPLETED' })
    // As when the first attempt landed but its answer was lost and the SDK retried.
    await expect(sendCompletion(db(), owned(request), update)).resolves.toBeUndefined()
    const stranger = { ...owned(request), ownerToken: randomUUID() }
    const error = await rejection(
      sendCompletion(db(), stranger, completionPut(stranger, json(1), Date.now(), 60)),
    )
    expect(isDynamormError(error, 'IdempotencyLeaseLostError')).toBe(true)
    expect(await readRecord(tables.records.name, request.recordKey)).toMatchObject({
      ownerToken: request.ownerToken,
    })
  })

  it('releases the owner’s lock, through the unit of work as well', async () => {
    const request = lockRequest()
    await lock(request)
    const local = db()
    local.unitOfWork.add(releaseWrite(releaseDelete(owned(request))))
    await local.unitOfWork.commit()
    expect(await readRecord(tables.records.name, request.recordKey)).toBeUndefined()
    // And the key is free again.
    expect((await lock({ ...request, ownerToken: randomUUID() })).kind).toBe('acquired')
  })
})

// Keeps the PutItemCommand import honest: a second writer racing the lock with a raw put is refused.
it('a raw conditional put cannot slip under a held lock', async () => {
  const request = lockRequest()
  await lock(request)
  const error = await rejection(db().send(new PutItemCommand(lockInput({ ...request, ownerToken: 'x' }))))
  expect(isDynamormError(error, 'ConditionFailedError')).toBe(true)
  expect(admin).toBeDefined()
})
