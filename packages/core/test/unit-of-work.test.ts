// onSettled: one call per listener after the next commit attempt or discard, whatever its outcome.
import { localDynamoClient } from '@dynamorm/testing'
import { describe, expect, it, vi } from 'vitest'
import { type CommitOutcome, isDynamormError, type TransactionCancelledError } from '../src/index.ts'
import { Payment, paymentsTableForFile, uniqueId } from './fixtures.ts'

const env = paymentsTableForFile()

const payment = (id = uniqueId()) => ({ partnerId: 'uow', id, amount: 10, status: 'PENDING' as const })

/** A listener that keeps what it was told. */
function recorder() {
  const outcomes: CommitOutcome[] = []
  return { outcomes, listener: (outcome: CommitOutcome) => void outcomes.push(outcome) }
}

describe('unit of work onSettled', () => {
  it('tells every listener once that the commit landed, then forgets them', async () => {
    const request = env.db.forRequest()
    const partner = request.scoped({
      tableName: (logical) => (logical === 'payments' ? env.table.name : logical),
    })
    const first = recorder()
    const second = recorder()
    request.unitOfWork.onSettled(first.listener)
    // Registered through a scoped Db: same unit of work.
    partner.unitOfWork.onSettled(second.listener)
    const input = payment()
    await request.model(Payment).queue.create(input)
    await partner.model(Payment).queue.create(payment())
    expect(first.outcomes).toEqual([])
    expect(await request.unitOfWork.commit('settle-1')).toBe(2)
    expect(first.outcomes).toEqual([{ committed: true, writes: 2 }])
    expect(second.outcomes).toEqual([{ committed: true, writes: 2 }])
    expect(await env.db.model(Payment).get({ partnerId: 'uow', id: input.id })).toBeDefined()

    // Cleared after the attempt: the next commit tells only listeners registered since.
    const third = recorder()
    request.unitOfWork.onSettled(third.listener)
    expect(await request.unitOfWork.commit()).toBe(0)
    expect(first.outcomes).toHaveLength(1)
    expect(third.outcomes).toEqual([{ committed: true, writes: 0 }])
  })

  it('reports a cancelled commit with its error, and nothing is written', async () => {
    const existing = await env.db.model(Payment).create(payment())
    const request = env.db.forRequest()
    const { outcomes, listener } = recorder()
    request.unitOfWork.onSettled(listener)
    const fresh = payment()
    await request.model(Payment).queue.create(fresh)
    await request.model(Payment).queue.create(existing, { label: 'duplicate' })
    const error = await request.unitOfWork.commit().catch((e: unknown) => e)
    expect(isDynamormError(error, 'TransactionCancelledError')).toBe(true)
    expect(outcomes).toHaveLength(1)
    expect(outcomes[0]).toMatchObject({ committed: false, writes: 2 })
    expect(outcomes[0]?.error).toBe(error)
    expect(await env.db.model(Payment).get({ partnerId: 'uow', id: fresh.id })).toBeUndefined()
    expect(request.unitOfWork.size).toBe(0)
  })

  it('throws what a write whose condition failed maps the cancellation to; the first queued decides', async () => {
    const [one, two] = [
      await env.db.model(Payment).create(payment()),
      await env.db.model(Payment).create(payment()),
    ]
    const request = env.db.forRequest()
    const { outcomes, listener } = recorder()
    request.unitOfWork.onSettled(listener)
    const fresh = payment()
    await request.model(Payment).queue.create(fresh)
    request.unitOfWork.add(await request.model(Payment).transactItem.create(one), {
      label: 'first',
      conditionFailed: (cancelled) => new Error('first mapping', { cause: cancelled }),
    })
    request.unitOfWork.add(await request.model(Payment).transactItem.create(two), {
      conditionFailed: () => new Error('second mapping'),
    })
    const error = (await request.unitOfWork.commit().catch((e: unknown) => e)) as Error
    expect(error.message).toBe('first mapping')
    // The cancellation is kept as the cause, its reasons labelled as ever.
    const cancelled = error.cause as TransactionCancelledError
    expect(isDynamormError(cancelled, 'TransactionCancelledError')).toBe(true)
    expect(cancelled.reasons.map(({ code, label }) => ({ code, label }))).toEqual([
      { code: 'None', label: undefined },
      { code: 'ConditionalCheckFailed', label: 'first' },
      { code: 'ConditionalCheckFailed', label: undefined },
    ])
    expect(outcomes).toEqual([{ committed: false, writes: 3, error }])
    expect(await env.db.model(Payment).get({ partnerId: 'uow', id: fresh.id })).toBeUndefined()
  })

  it('keeps the TransactionCancelledError when no write whose condition failed maps it', async () => {
    const existing = await env.db.model(Payment).create(payment())
    const request = env.db.forRequest()
    request.unitOfWork.add(await request.model(Payment).transactItem.create(existing))
    // A mapping on a write whose condition held is not asked.
    request.unitOfWork.add(await request.model(Payment).transactItem.create(payment()), {
      conditionFailed: () => new Error('not this write'),
    })
    const error = await request.unitOfWork.commit().catch((e: unknown) => e)
    expect(isDynamormError(error, 'TransactionCancelledError')).toBe(true)
  })

  it('reports commits refused before sending and discarded units of work', async () => {
    const request = env.db.forRequest()
    const item = await request.model(Payment).transactItem.delete({ partnerId: 'uow', id: 'x' })
    const tooLarge = recorder()
    request.unitOfWork.onSettled(tooLarge.listener)
    for (let i = 0; i < 101; i++) request.unitOfWork.add(item)
    const error = await request.unitOfWork.commit().catch((e: unknown) => e)
    expect(isDynamormError(error, 'TransactionTooLargeError')).toBe(true)
    expect(tooLarge.outcomes).toEqual([{ committed: false, writes: 101, error }])

    const discarded = recorder()
    request.unitOfWork.onSettled(discarded.listener)
    request.unitOfWork.discard()
    expect(discarded.outcomes).toEqual([{ committed: false, writes: 101 }])
    expect(tooLarge.outcomes).toHaveLength(1)

    const cross = recorder()
    request.unitOfWork.onSettled(cross.listener)
    await request.model(Payment).queue.delete({ partnerId: 'uow', id: 'a' })
    await request
      .scoped({ client: localDynamoClient(env.endpoint) })
      .model(Payment)
      .queue.delete({ partnerId: 'uow', id: 'b' })
    const crossError = await request.unitOfWork.commit().catch((e: unknown) => e)
    expect(isDynamormError(crossError, 'CrossAccountTransactionError')).toBe(true)
    expect(cross.outcomes).toEqual([{ committed: false, writes: 2, error: crossError }])
  })

  it('keeps the commit result when a listener throws or rejects, and still calls the others', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    try {
      const request = env.db.forRequest()
      const after = recorder()
      request.unitOfWork.onSettled(() => {
        throw new Error('listener bug')
      })
      request.unitOfWork.onSettled(async () => {
        throw new Error('async listener bug')
      })
      request.unitOfWork.onSettled(after.listener)
      await request.model(Payment).queue.create(payment())
      expect(await request.unitOfWork.commit()).toBe(1)
      expect(after.outcomes).toEqual([{ committed: true, writes: 1 }])
      await vi.waitFor(() => expect(logged).toHaveBeenCalledTimes(2))
      expect(logged.mock.calls.map((call) => (call[1] as Error).message).sort()).toEqual([
        'async listener bug',
        'listener bug',
      ])
    } finally {
      logged.mockRestore()
    }
  })

  it('lets a listener register the next one, and refuses what is not a function', async () => {
    const request = env.db.forRequest()
    const next = recorder()
    request.unitOfWork.onSettled(() => request.unitOfWork.onSettled(next.listener))
    await request.unitOfWork.commit()
    expect(next.outcomes).toEqual([])
    request.unitOfWork.discard()
    expect(next.outcomes).toEqual([{ committed: false, writes: 0 }])
    for (const bad of [undefined, null, 'listener', {}]) {
      const error = (() => {
        try {
          request.unitOfWork.onSettled(bad as never)
        } catch (e) {
          return e
        }
      })()
      expect(isDynamormError(error, 'ValidationError')).toBe(true)
    }
  })
})

describe('unit of work commits in flight', () => {
  // A raw write that adds 10 to a counter: applied twice, it shows as 20.
  const credit = (pk: string) => ({
    Update: {
      TableName: env.table.name,
      Key: { pk: { S: pk }, sk: { S: 'COUNTER' } },
      UpdateExpression: 'ADD #n :ten',
      ExpressionAttributeNames: { '#n': 'credited' },
      ExpressionAttributeValues: { ':ten': { N: '10' } },
    },
  })
  const credited = async (pk: string) => {
    const { GetItemCommand } = await import('@aws-sdk/client-dynamodb')
    const { Item } = await env.db.send(
      new GetItemCommand({
        TableName: env.table.name,
        Key: { pk: { S: pk }, sk: { S: 'COUNTER' } },
        ConsistentRead: true,
      }),
    )
    return Item?.credited?.N
  }

  it('sends queued writes once when two commits overlap', async () => {
    const pk = uniqueId('overlap')
    const request = env.db.forRequest()
    request.unitOfWork.add(credit(pk))
    const sent = await Promise.all([request.unitOfWork.commit(), request.unitOfWork.commit()])
    expect(sent.sort()).toEqual([0, 1])
    expect(await credited(pk)).toBe('10')
  })

  it('keeps a write queued while a commit is in flight for the next commit, and its listener too', async () => {
    const pk = uniqueId('late')
    const request = env.db.forRequest()
    const first = recorder()
    request.unitOfWork.onSettled(first.listener)
    request.unitOfWork.add(credit(`${pk}-first`))
    const inFlight = request.unitOfWork.commit()
    const late = recorder()
    request.unitOfWork.add(credit(pk))
    request.unitOfWork.onSettled(late.listener)
    expect(await inFlight).toBe(1)
    expect(first.outcomes).toEqual([{ committed: true, writes: 1 }])
    // Not sent by the commit that was already in flight, so neither reported nor dropped by it.
    expect(late.outcomes).toEqual([])
    expect(await credited(pk)).toBeUndefined()
    expect(request.unitOfWork.size).toBe(1)
    expect(await request.unitOfWork.commit()).toBe(1)
    expect(late.outcomes).toEqual([{ committed: true, writes: 1 }])
    expect(await credited(pk)).toBe('10')
  })
})
