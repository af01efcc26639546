import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { GetItemCommand } from '@aws-sdk/client-dynamodb'
import { createDb, type Db, isDynamormError, marshallItem, unmarshallItem } from '@dynamorm/core'
import { createTestTable, localDynamoClient, type TestTable } from '@dynamorm/testing'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { runCrudWalkthrough } from '../src/crud-walkthrough.ts'
import { Payment } from '../src/payment.ts'
import { paymentsTable } from '../src/payments-table.ts'

const client = localDynamoClient(inject('dynamoEndpoint'))
let table: TestTable
let db: Db

beforeAll(async () => {
  table = await createTestTable(client, paymentsTable(`core-crud-${randomBytes(4).toString('hex')}`))
  db = createDb({ client, tableName: (logical) => (logical === 'payments' ? table.name : logical) })
})
afterAll(() => table.delete())

async function rawItem(partnerId: string, id: string) {
  const { Item } = await client.send(
    new GetItemCommand({
      TableName: table.name,
      Key: marshallItem({ pk: `PARTNER#${partnerId}`, sk: `PAYMENT#${id}` }),
      ConsistentRead: true,
    }),
  )
  return Item && unmarshallItem(Item)
}

describe('the CRUD walkthrough', () => {
  it('creates, refuses, locks, lists, deletes conditionally, and meters every call', async () => {
    const lines: string[] = []
    const result = await runCrudWalkthrough(db.forRequest(), { partnerId: 'acme', say: (l) => lines.push(l) })

    expect(result.created).toMatchObject({ id: 'pay-1', amount: 1250, currency: 'EUR', version: 1 })
    expect(result.created.createdAt).toBe(result.created.updatedAt)
    expect(result.duplicateCreate).toBe('ConditionFailedError (409)')
    expect(result.authorized).toMatchObject({ status: 'AUTHORIZED', reference: 'auth-7731', version: 2 })
    expect(result.authorized.createdAt).toBe(result.created.createdAt)
    expect(result.staleUpdate).toBe('OptimisticLockError (412)')
    expect(result.listed).toEqual(['pay-1', 'pay-2', 'pay-3'])
    expect(result.authorizedCount).toBe(2)
    expect(result.refusedDelete).toBe('ConditionFailedError (409)')
    expect(result.deleted?.id).toBe('pay-3')
    expect(result.afterDelete).toBeUndefined()
    // 3 creates, 1 get, 1 update, 1 query, 1 count, 1 delete, 1 get, plus the three refused writes
    // (duplicate create, stale update, conditional delete): DynamoDB bills those too, so the meter counts them.
    expect(result.capacity.calls).toBe(12)
    expect(result.capacity.failedCalls).toBe(3)
    expect(result.capacity.writeCapacityUnits).toBeGreaterThan(0)
    expect(result.capacity.readCapacityUnits).toBeGreaterThan(0)
    expect(result.costUsd).toBeGreaterThan(0)
    expect(lines).toHaveLength(11)
    expect(lines[1]).toBe('create   pay-1 again -> ConditionFailedError (409)')

    // What the table holds is what the walkthrough said: the refused writes changed nothing.
    expect(await rawItem('acme', 'pay-1')).toMatchObject({
      amount: 1250,
      status: 'AUTHORIZED',
      version: 2,
      __entity: 'Payment',
    })
    expect(await rawItem('acme', 'pay-3')).toBeUndefined()
    expect(await rawItem('acme', 'pay-2')).toMatchObject({ currency: 'USD', status: 'AUTHORIZED' })
  })

  it('fails on the first step when the partner already has pay-1 (nothing is overwritten)', async () => {
    await runCrudWalkthrough(db, { partnerId: 'rerun' })
    const error = await runCrudWalkthrough(db, { partnerId: 'rerun' }).catch((e: unknown) => e)
    expect(isDynamormError(error, 'ConditionFailedError')).toBe(true)
    expect(await rawItem('rerun', 'pay-1')).toMatchObject({ version: 2 })
  })

  it('rejects a partner id that would forge a key, before sending anything', async () => {
    const requestDb = db.forRequest()
    const error = await runCrudWalkthrough(requestDb, { partnerId: 'acme#PAYMENT' }).catch((e: unknown) => e)
    expect(isDynamormError(error, 'ValidationError')).toBe(true)
    expect((error as { status: number }).status).toBe(400)
    expect(requestDb.meter.calls).toBe(0)
  })
})

describe('the Payment model', () => {
  it('rejects bad amounts, unknown statuses and unknown attributes with 400 before sending', async () => {
    const requestDb = db.forRequest()
    const payments = requestDb.model(Payment)
    const bad = [
      { partnerId: 'acme', id: 'x1', amount: 0, status: 'PENDING' },
      { partnerId: 'acme', id: 'x2', amount: 12.5, status: 'PENDING' },
      { partnerId: 'acme', id: 'x3', amount: 100, status: 'REFUNDED' },
      { partnerId: 'acme', id: 'x4', amount: 100, status: 'PENDING', currency: 'JPY' },
      { partnerId: 'acme', id: 'x5', amount: 100, status: 'PENDING', cardNumber: '4242' },
      { partnerId: 'acme', amount: 100, status: 'PENDING' },
    ]
    for (const input of bad) {
      const error = await payments.create(input as never).catch((e: unknown) => e)
      expect(isDynamormError(error, 'ValidationError')).toBe(true)
    }
    expect(requestDb.meter.calls).toBe(0)
  })

  it('refuses to update or delete a payment that does not exist', async () => {
    const payments = db.model(Payment)
    const missing = { partnerId: 'acme', id: 'ghost' }
    const update = await payments.update(missing, { set: { status: 'CANCELLED' } }).catch((e: unknown) => e)
    expect(isDynamormError(update, 'NotFoundError')).toBe(true)
    const remove = await payments.delete(missing, { mustExist: true }).catch((e: unknown) => e)
    expect(isDynamormError(remove, 'NotFoundError')).toBe(true)
    expect(await rawItem('acme', 'ghost')).toBeUndefined()
  })
})

describe('pnpm start', () => {
  it('runs against a DynamoDB Local of its own, prints every step and exits 0', async () => {
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
    const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=source', main], {
      timeout: 60_000,
    })
    const lines = stdout.trim().split('\n')
    expect(lines).toHaveLength(11)
    expect(lines[0]).toBe('create   pay-1 1250 EUR -> version 1')
    expect(lines).toContain('update   pay-1 at stale version 1 -> OptimisticLockError (412)')
    expect(lines).toContain('get      pay-3 -> not found')
    expect(lines[10]).toMatch(/^capacity 12 calls, [\d.]+ RCU, [\d.]+ WCU, ~\$[\d.]+ on demand/)
  }, 90_000)
})
