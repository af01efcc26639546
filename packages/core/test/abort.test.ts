// Db.send(command, { abortSignal }): the signal reaches the SDK, and an abort is a typed error.
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb'
import { localDynamoClient, startDynamoFaultProxy } from '@dynamorm/testing'
import { describe, expect, it, vi } from 'vitest'
import { createDb, isDynamormError, marshallItem, toDynamormError } from '../src/index.ts'
import { paymentsTableForFile, uniqueId } from './fixtures.ts'

const env = paymentsTableForFile()

const keyOf = (id: string) => marshallItem({ pk: `ABORT#${id}`, sk: 'ROW' })
const getRow = (id: string) =>
  new GetItemCommand({ TableName: env.table.name, Key: keyOf(id), ConsistentRead: true })

describe('Db.send with an abort signal', () => {
  it('sends as before with no options, empty options or a signal that never fires', async () => {
    const id = uniqueId()
    await env.db.send(
      new PutItemCommand({ TableName: env.table.name, Item: { ...keyOf(id), n: { N: '1' } } }),
    )
    const request = env.db.forRequest()
    expect((await request.send(getRow(id)))?.Item?.n).toEqual({ N: '1' })
    expect((await request.send(getRow(id), {}))?.Item?.n).toEqual({ N: '1' })
    const controller = new AbortController()
    expect((await request.send(getRow(id), { abortSignal: controller.signal }))?.Item?.n).toEqual({
      N: '1',
    })
    // Capacity is still recorded for calls that carry a signal.
    expect(request.meter.totals().calls).toBe(3)
  })

  it('rejects an already aborted call with RequestAbortedError (503) and sends nothing', async () => {
    const proxy = await startDynamoFaultProxy(env.endpoint)
    try {
      const proxied = createDb({ client: localDynamoClient(proxy.endpoint) })
      const error = await proxied
        .send(getRow('x'), { abortSignal: AbortSignal.abort() })
        .catch((e: unknown) => e)
      expect(isDynamormError(error, 'RequestAbortedError')).toBe(true)
      expect((error as { status: number }).status).toBe(503)
      expect((error as { details: unknown }).details).toEqual({ reason: 'AbortError' })
      expect(proxy.calls()).toBe(0)
      expect(proxied.meter.totals().calls).toBe(0)
      // A reason that is not an Error is not copied into the details.
      const plain = await proxied
        .send(getRow('x'), { abortSignal: AbortSignal.abort('deadline') })
        .catch((e: unknown) => e)
      expect(isDynamormError(plain, 'RequestAbortedError')).toBe(true)
      expect((plain as { details: unknown }).details).toEqual({})
    } finally {
      await proxy.close()
    }
  })

  it('aborts a call in flight; the write it carried may still land', async () => {
    const proxy = await startDynamoFaultProxy(env.endpoint)
    try {
      const proxied = createDb({ client: localDynamoClient(proxy.endpoint, { maxAttempts: 1 }) })
      proxy.faults.set({ latencyMs: 500, operation: 'PutItem' })
      const controller = new AbortController()
      const id = uniqueId()
      const put = proxied
        .send(new PutItemCommand({ TableName: env.table.name, Item: keyOf(id) }), {
          abortSignal: controller.signal,
        })
        .catch((e: unknown) => e)
      // Abort once the proxy holds the request: it has left the client.
      await vi.waitFor(() => expect(proxy.calls('PutItem')).toBe(1))
      controller.abort(new DOMException('deadline', 'TimeoutError'))
      const error = await put
      expect(isDynamormError(error, 'RequestAbortedError')).toBe(true)
      expect((error as { details: unknown }).details).toEqual({ reason: 'TimeoutError' })
      expect((error as Error).message).toMatch(/may have landed/)
      // The proxy forwards it after its delay: the outcome of an aborted write is unknown to the caller.
      await vi.waitFor(async () => expect((await env.db.send(getRow(id))).Item).toBeDefined(), {
        timeout: 10_000,
      })
    } finally {
      await proxy.close()
    }
  })

  it('refuses an abortSignal that is not an AbortSignal, and maps a bare AbortError', async () => {
    for (const bad of ['soon', 5, {}, { aborted: true }]) {
      const error = await env.db.send(getRow('x'), { abortSignal: bad as never }).catch((e: unknown) => e)
      expect(isDynamormError(error, 'ValidationError')).toBe(true)
    }
    const abort = Object.assign(new Error('Request aborted'), { name: 'AbortError' })
    const mapped = toDynamormError(abort)
    expect(isDynamormError(mapped, 'RequestAbortedError')).toBe(true)
    expect((mapped as Error).cause).toBe(abort)
  })
})
