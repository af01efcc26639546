import { GetItemCommand, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb'
import { createDb, marshallItem } from '@dynamorm/core'
import { httpApiEvent, lambdaContext } from '@dynamorm/testing'
import { describe, expect, it } from 'vitest'
import { auditTrail, entityHistory, verifyAuditChain } from '../src/index.ts'
import {
  type AuditedContext,
  auditAndPaymentTablesForFile,
  auditedHandler,
  captureLogger,
  testClient,
} from './audit-fixture.ts'

const client = testClient()
const tables = auditAndPaymentTablesForFile(client, 'cost', 'paycost')

const prices = {
  'eu-central-1': {
    onDemandReadPerMillion: 0.305,
    onDemandWritePerMillion: 1.525,
    provisionedReadPerHour: 0.0003,
    provisionedWritePerHour: 0.0015,
  },
}

describe('cost attribution', () => {
  it("equals DynamoDB's reported consumed capacity times the configured price", async () => {
    const big = 'x'.repeat(5_000) // 2 KB+ items: more than one unit per call, so units are really summed
    await client.send(
      new PutItemCommand({
        TableName: tables.payments.name,
        Item: marshallItem({ pk: 'big', sk: 'payment', big }),
      }),
    )
    const seen = { read: 0, write: 0 }
    // Every response's ConsumedCapacity as the SDK returns it, the lease claim and the final commit
    // included: what the log line and the metrics (emitted once the commit settled) must add up to.
    const reported = { calls: 0, read: 0, write: 0 }
    const counted = testClient()
    counted.middlewareStack.add(
      (next, context: { commandName?: string }) => async (args) => {
        const result = await next(args)
        const capacity = (result.output as { ConsumedCapacity?: unknown }).ConsumedCapacity
        const units = (Array.isArray(capacity) ? capacity : capacity ? [capacity] : []) as Array<{
          CapacityUnits?: number
        }>
        const kind = /Put|Update|Delete|Write/.test(context.commandName ?? '') ? 'write' : 'read'
        reported.calls += 1
        for (const unit of units) reported[kind] += unit.CapacityUnits ?? 0
        return result
      },
      { step: 'initialize', name: 'countReportedCapacity' },
    )
    const { lines, logger } = captureLogger()
    const handler = auditedHandler(
      counted,
      { table: tables.audit.name, priceTable: prices, region: 'eu-central-1', logger },
      async (_e, context) => {
        // Capacity as the SDK reports it in each response, summed here independently of the meter.
        const got = await context.partner.db.send(
          new GetItemCommand({
            TableName: tables.payments.name,
            Key: marshallItem({ pk: 'big', sk: 'payment' }),
            ConsistentRead: true,
          }),
        )
        seen.read += got.ConsumedCapacity!.CapacityUnits!
        const queried = await context.db.send(
          new QueryCommand({
            TableName: tables.payments.name,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': { S: 'big' } },
          }),
        )
        seen.read += queried.ConsumedCapacity!.CapacityUnits!
        const put = await context.partner.db.send(
          new PutItemCommand({
            TableName: tables.payments.name,
            Item: marshallItem({ pk: 'cost-1', sk: 'payment', big }),
          }),
        )
        seen.write += put.ConsumedCapacity!.CapacityUnits!
        context.audit.record({
          action: 'capture',
          entity: 'Payment',
          key: { paymentId: 'cost-1' },
          after: { amount: 5 },
        })
        return {}
      },
    )
    await handler(httpApiEvent({ jwtClaims: { sub: 'u', partner: 'p-cost' } }), lambdaContext())
    expect(seen.read).toBeGreaterThan(1)
    expect(seen.write).toBeGreaterThan(1)
    const [entry] = await entityHistory({
      db: createDb({ client }),
      table: tables.audit.name,
      partnerId: 'p-cost',
      entity: 'Payment',
      key: { paymentId: 'cost-1' },
    })
    const expected = (seen.read * 0.305 + seen.write * 1.525) / 1_000_000
    expect(entry!.capacity).toEqual({
      calls: 3,
      readCapacityUnits: seen.read,
      writeCapacityUnits: seen.write,
    })
    expect(entry!.cost!.total).toBeCloseTo(expected, 15)
    // The log line and metrics come after the commit: they count it (and the lease claim), which the
    // entry, written by that very commit, cannot.
    expect(reported.write).toBeGreaterThan(seen.write)
    const settled = (reported.read * 0.305 + reported.write * 1.525) / 1_000_000
    expect(lines[0]).toMatchObject({
      consumed_rcu: reported.read,
      consumed_wcu: reported.write,
      dynamodb_calls: reported.calls,
      pending_writes: 0,
    })
    expect(reported.calls).toBeGreaterThanOrEqual(4) // get, query, put, commit (+ the lease claim)
    expect(lines[0]!.estimated_cost_usd as number).toBeCloseTo(settled, 15)
    expect(lines[1]).toMatchObject({ ConsumedRCU: reported.read, ConsumedWCU: reported.write })
    expect(lines[1]!.EstimatedCostUSD as number).toBeCloseTo(settled, 15)
  })

  it('prices provisioned tables per capacity-unit-second and leaves cost out for an unpriced region', async () => {
    const { lines, logger } = captureLogger()
    const handler = auditedHandler(
      client,
      {
        table: tables.audit.name,
        priceTable: prices,
        region: 'eu-central-1',
        capacityMode: 'provisioned',
        logger,
      },
      async (_e, context) => {
        await context.db.send(
          new GetItemCommand({
            TableName: tables.payments.name,
            Key: marshallItem({ pk: 'none', sk: 'payment' }),
          }),
        )
        return {}
      },
    )
    await handler(httpApiEvent({ jwtClaims: { sub: 'u', partner: 'p-prov' } }), lambdaContext())
    expect(lines[0]!.estimated_cost_usd as number).toBeCloseTo((0.5 * 0.0003) / 3600, 15)
    const unpriced = captureLogger()
    const noPrice = auditedHandler(
      client,
      { table: tables.audit.name, priceTable: prices, logger: unpriced.logger },
      async (_e, context) => {
        context.audit.record({ action: 'a', entity: 'E', key: { id: 1 } })
        return {}
      },
    )
    await noPrice(httpApiEvent({ jwtClaims: { sub: 'u', partner: 'p-noprice' } }), lambdaContext())
    expect(unpriced.lines[0]).toMatchObject({ estimated_cost_usd: null })
    expect(unpriced.lines[1]).toMatchObject({ EstimatedCostUSD: 0 })
    const [entry] = await entityHistory({
      db: createDb({ client }),
      table: tables.audit.name,
      partnerId: 'p-noprice',
      entity: 'E',
      key: { id: 1 },
    })
    expect(entry!.cost).toBeNull()
  })
})

describe('concurrent writers of one partner', () => {
  const record = async (_e: unknown, context: AuditedContext) => {
    const id = context.awsRequestId
    context.partner.db.unitOfWork.add({
      Put: { TableName: tables.payments.name, Item: marshallItem({ pk: id, sk: 'payment' }) },
    })
    context.audit.record({ action: 'capture', entity: 'Payment', key: { id }, after: { id } })
    context.audit.record({ action: 'notify', entity: 'Payment', key: { id } })
    return {}
  }

  it('keeps a valid chain when several containers write at once (one lease each, no conflicts)', async () => {
    const containers = Array.from({ length: 6 }, () =>
      auditedHandler(
        client,
        {},
        record,
        auditTrail({ table: tables.audit.name, shards: 8, logger: () => {} }),
      ),
    )
    const perContainer = 8
    await Promise.all(
      containers.map(async (handler, c) => {
        for (let i = 0; i < perContainer; i++) {
          await handler(
            httpApiEvent({ jwtClaims: { sub: 'u', partner: 'p-many' } }),
            lambdaContext({ awsRequestId: `c${c}-${i}` }),
          )
        }
      }),
    )
    const report = await verifyAuditChain({
      db: createDb({ client }),
      table: tables.audit.name,
      partnerId: 'p-many',
      shards: 8,
    })
    expect(report).toEqual({ valid: true, entries: 6 * perContainer * 2, shards: 6, problems: [] })
  })

  it('keeps a valid chain when one process serves concurrent requests (a lease per in-flight request)', async () => {
    const audit = auditTrail({ table: tables.audit.name, shards: 16, logger: () => {} })
    const handler = auditedHandler(client, {}, record, audit)
    const results = await Promise.allSettled(
      Array.from({ length: 24 }, (_, i) =>
        handler(
          httpApiEvent({ jwtClaims: { sub: 'u', partner: 'p-inproc' } }),
          lambdaContext({ awsRequestId: `in-${i}` }),
        ),
      ),
    )
    expect(results.filter((result) => result.status === 'rejected')).toEqual([])
    // A second wave reuses the leases of the first.
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        handler(
          httpApiEvent({ jwtClaims: { sub: 'u', partner: 'p-inproc' } }),
          lambdaContext({ awsRequestId: `in2-${i}` }),
        ),
      ),
    )
    const report = await verifyAuditChain({
      db: createDb({ client }),
      table: tables.audit.name,
      partnerId: 'p-inproc',
      shards: 16,
    })
    expect(report).toMatchObject({ valid: true, entries: 32 * 2, problems: [] })
    expect(report.shards).toBeLessThanOrEqual(16)
  })

  it('re-reads the head after its lease ran out and another container wrote to the shard', async () => {
    const first = auditTrail({ table: tables.audit.name, shards: 1, leaseMs: 1, logger: () => {} })
    const second = auditTrail({ table: tables.audit.name, shards: 1, leaseMs: 1, logger: () => {} })
    const a = auditedHandler(client, {}, record, first)
    const b = auditedHandler(client, {}, record, second)
    const run = (handler: typeof a, id: string) =>
      handler(
        httpApiEvent({ jwtClaims: { sub: 'u', partner: 'p-expiry' } }),
        lambdaContext({ awsRequestId: id }),
      )
    await run(a, 'x1')
    await new Promise((resolve) => setTimeout(resolve, 5))
    await run(b, 'x2')
    await new Promise((resolve) => setTimeout(resolve, 5))
    await run(a, 'x3')
    const report = await verifyAuditChain({
      db: createDb({ client }),
      table: tables.audit.name,
      partnerId: 'p-expiry',
      shards: 1,
    })
    expect(report).toEqual({ valid: true, entries: 6, shards: 1, problems: [] })
  })
})
