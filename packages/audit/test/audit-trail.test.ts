import { GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb'
import { createDb, defaultPriceTable, isDynamormError, marshallItem } from '@dynamorm/core'
import { httpApiEvent, lambdaContext, localDynamoClient, startDynamoFaultProxy } from '@dynamorm/testing'
import { describe, expect, inject, it } from 'vitest'
import { auditTrail, entityHistory, REDACTED, verifyAuditChain } from '../src/index.ts'
import { entrySortKey, shardPartitionKey } from '../src/table-layout.ts'
import {
  type AuditedContext,
  auditAndPaymentTablesForFile,
  auditedHandler,
  captureLogger,
  scanAll,
  testClient,
} from './audit-fixture.ts'

const client = testClient()
const tables = auditAndPaymentTablesForFile(client, 'audit', 'payments')

const event = (partner: string, body: Record<string, unknown> = {}, sub = 'user-7') =>
  httpApiEvent({
    method: 'POST',
    path: '/payments',
    jwtClaims: { sub, partner },
    sourceIp: '203.0.113.9',
    body,
  })

/** The handler queues a payment Put in the unit of work and records it. */
function capture(context: AuditedContext, paymentId: string, extra: Record<string, unknown> = {}) {
  const after = { pk: paymentId, sk: 'payment', status: 'captured', amount: 1250, ...extra }
  context.partner.db.unitOfWork.add({
    Put: {
      TableName: tables.payments.name,
      Item: marshallItem(after),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  })
  context.audit.record({ action: 'capture', entity: 'Payment', key: { paymentId }, before: undefined, after })
  return { statusCode: 201 }
}

async function payment(paymentId: string) {
  const { Item } = await client.send(
    new GetItemCommand({
      TableName: tables.payments.name,
      Key: { pk: { S: paymentId }, sk: { S: 'payment' } },
      ConsistentRead: true,
    }),
  )
  return Item
}

describe('auditTrail() on success', () => {
  it('writes the entry in the same transaction as the business write, with who/what/where', async () => {
    const { lines, logger } = captureLogger()
    const handler = auditedHandler(
      client,
      { table: tables.audit.name, logger, region: 'us-east-1' },
      async (_e, context) => capture(context, 'pay-1'),
    )
    const context = lambdaContext({ awsRequestId: 'req-success-1' })
    await expect(handler(event('p-success'), context)).resolves.toEqual({ statusCode: 201 })
    expect(await payment('pay-1')).toBeDefined()
    const [entry] = await entityHistory({
      db: createDb({ client }),
      table: tables.audit.name,
      partnerId: 'p-success',
      entity: 'Payment',
      key: { paymentId: 'pay-1' },
    })
    expect(entry).toMatchObject({
      v: 1,
      partner: 'p-success',
      actor: 'user-7',
      requestId: 'req-success-1',
      sourceIp: '203.0.113.9',
      action: 'capture',
      entity: 'Payment',
      key: { paymentId: 'pay-1' },
      outcome: 'success',
      changes: { status: { after: 'captured' }, amount: { after: 1250 } },
      chain: { seq: 1 },
    })
    expect(Date.parse(entry!.timestamp)).not.toBeNaN()
    expect(entry!.hash).toMatch(/^[0-9a-f]{64}$/)
    // One Powertools-style log line and one EMF line for the request.
    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatchObject({
      level: 'INFO',
      message: 'audited request',
      service: 'service_undefined',
      function_request_id: 'req-success-1',
      partner: 'p-success',
      actor: 'user-7',
      outcome: 'success',
      audit_entries: 1,
    })
    expect(typeof lines[0]!.timestamp).toBe('string')
    expect(lines[1]).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'DynamORM',
            Dimensions: [['partner']],
            Metrics: [
              { Name: 'Requests', Unit: 'Count' },
              { Name: 'ConsumedRCU', Unit: 'Count' },
              { Name: 'ConsumedWCU', Unit: 'Count' },
              { Name: 'EstimatedCostUSD', Unit: 'None' },
            ],
          },
        ],
      },
      partner: 'p-success',
      Requests: 1,
    })
    expect(typeof (lines[1]!._aws as { Timestamp: unknown }).Timestamp).toBe('number')
  })

  it('chains entries of consecutive requests and keeps the head in memory (no read per request)', async () => {
    const audit = auditTrail({ table: tables.audit.name, logger: () => {} })
    const handler = auditedHandler(
      client,
      {},
      async (_e, context) => capture(context, `pay-seq-${context.awsRequestId}`),
      audit,
    )
    const calls: number[] = []
    for (let i = 0; i < 3; i++) {
      const context = lambdaContext({ awsRequestId: `seq-${i}` })
      await handler(event('p-seq'), context)
      calls.push((context as unknown as AuditedContext).db.meter.calls)
    }
    // First request: lease claim + commit. Then only the commit: the head is never read again.
    expect(calls).toEqual([2, 1, 1])
    const report = await verifyAuditChain({
      db: createDb({ client }),
      table: tables.audit.name,
      partnerId: 'p-seq',
    })
    expect(report).toEqual({ valid: true, entries: 3, shards: 1, problems: [] })
  })

  it('logs a request that recorded nothing, and writes no entry for it', async () => {
    const { lines, logger } = captureLogger()
    const handler = auditedHandler(client, { table: tables.audit.name, logger }, async () => ({
      statusCode: 200,
    }))
    await handler(event('p-quiet'), lambdaContext())
    expect(lines[0]).toMatchObject({ outcome: 'success', audit_entries: 0, pending_writes: 0 })
    const report = await verifyAuditChain({
      db: createDb({ client }),
      table: tables.audit.name,
      partnerId: 'p-quiet',
    })
    expect(report.entries).toBe(0)
  })
})

describe('auditTrail() redaction', () => {
  it('stores neither plaintext nor ciphertext of configured paths, model encrypted attributes and binaries', async () => {
    const handler = auditedHandler(
      client,
      {
        table: tables.audit.name,
        redact: ['card.number', 'bank.*.iban'],
        sensitiveAttributes: ['cvv'],
        logger: () => {},
      },
      async (_e, context) => {
        context.audit.record({
          action: 'update',
          entity: 'Payout',
          key: { payoutId: 'po-1' },
          model: { encrypted: ['taxId'] },
          sensitive: ['payer.email'],
          before: {
            card: { number: '4111111111111111', brand: 'visa' },
            bank: { main: { iban: 'DE89370400440532013000', bic: 'COBADEFF' } },
            taxId: new Uint8Array([0xde, 0xad, 0xbe, 0xef]),
            payer: { email: 'ann@example.com', name: 'Ann' },
            cvv: 'cvv-737',
          },
          after: {
            card: { number: '5500000000000004', brand: 'mastercard' },
            bank: { main: { iban: 'FR1420041010050500013M02606', bic: 'COBADEFF' } },
            taxId: new Uint8Array([0xca, 0xfe]),
            payer: { email: 'bob@example.com', name: 'Ann' },
            cvv: 'cvv-123',
          },
        })
        return {}
      },
    )
    await handler(event('p-redact'), lambdaContext())
    const stored = JSON.stringify(await scanAll(client, tables.audit.name))
    for (const secret of [
      '4111111111111111',
      '5500000000000004',
      'DE89370400440532013000',
      'FR1420041010050500013M02606',
      'ann@example.com',
      'bob@example.com',
      'cvv-737',
      'cvv-123',
      Buffer.from([0xde, 0xad, 0xbe, 0xef]).toString('base64'),
      Buffer.from([0xca, 0xfe]).toString('base64'),
      'deadbeef',
    ]) {
      expect(stored).not.toContain(secret)
    }
    const [entry] = await entityHistory({
      db: createDb({ client }),
      table: tables.audit.name,
      partnerId: 'p-redact',
      entity: 'Payout',
      key: { payoutId: 'po-1' },
    })
    expect(entry!.changes).toEqual({
      'card.number': { before: REDACTED, after: REDACTED },
      'card.brand': { before: 'visa', after: 'mastercard' },
      'bank.main.iban': { before: REDACTED, after: REDACTED },
      taxId: { before: REDACTED, after: REDACTED },
      'payer.email': { before: REDACTED, after: REDACTED },
      cvv: { before: REDACTED, after: REDACTED },
    })
  })
  it('redacts sensitive attribute names in any letter case', async () => {
    const handler = auditedHandler(
      client,
      { table: tables.audit.name, sensitiveAttributes: ['cvv', 'CardNumber'], logger: () => {} },
      async (_e, context) => {
        context.audit.record({
          action: 'update',
          entity: 'Payment',
          key: { paymentId: 'pay-case' },
          before: { CVV: 'cvv-111', card: { Cvv: 'cvv-222', cardnumber: 'pan-4111111111111111' } },
          after: { CVV: 'cvv-333', card: { Cvv: 'cvv-444', CARDNUMBER: 'pan-5500000000000004' } },
        })
        return {}
      },
    )
    await handler(event('p-redact-case'), lambdaContext())
    const stored = JSON.stringify(await scanAll(client, tables.audit.name))
    for (const secret of ['cvv-111', 'cvv-222', 'cvv-333', 'cvv-444', 'pan-4111', 'pan-5500']) {
      expect(stored).not.toContain(secret)
    }
    const [entry] = await entityHistory({
      db: createDb({ client }),
      table: tables.audit.name,
      partnerId: 'p-redact-case',
      entity: 'Payment',
      key: { paymentId: 'pay-case' },
    })
    expect(entry!.changes).toEqual({
      CVV: { before: REDACTED, after: REDACTED },
      'card.Cvv': { before: REDACTED, after: REDACTED },
      'card.cardnumber': { before: REDACTED },
      'card.CARDNUMBER': { after: REDACTED },
    })
  })
})

describe('auditTrail() on failure', () => {
  it('writes a failure entry with the error name only, and the business write does not land', async () => {
    const { lines, logger } = captureLogger()
    const handler = auditedHandler(client, { table: tables.audit.name, logger }, async (_e, context) => {
      capture(context, 'pay-fail-1')
      const error = new Error('card 4111111111111111 declined')
      error.name = 'CardDeclinedError'
      throw error
    })
    await expect(handler(event('p-fail'), lambdaContext({ awsRequestId: 'req-fail-1' }))).rejects.toThrow(
      'declined',
    )
    expect(await payment('pay-fail-1')).toBeUndefined()
    const [entry] = await entityHistory({
      db: createDb({ client }),
      table: tables.audit.name,
      partnerId: 'p-fail',
      entity: 'Payment',
      key: { paymentId: 'pay-fail-1' },
    })
    expect(entry).toMatchObject({
      outcome: { failure: 'CardDeclinedError' },
      requestId: 'req-fail-1',
      action: 'capture',
    })
    expect(JSON.stringify(await scanAll(client, tables.audit.name))).not.toContain('declined')
    expect(lines[0]).toMatchObject({
      level: 'ERROR',
      outcome: { failure: 'CardDeclinedError' },
      audit_entries: 1,
    })
    // The line and its metrics price the capacity they report (the failure entry's write included).
    const { consumed_rcu, consumed_wcu, estimated_cost_usd } = lines[0] as {
      consumed_rcu: number
      consumed_wcu: number
      estimated_cost_usd: number
    }
    expect(consumed_wcu).toBeGreaterThan(0)
    const prices = defaultPriceTable['us-east-1']!
    expect(estimated_cost_usd).toBeCloseTo(
      (consumed_rcu * prices.onDemandReadPerMillion + consumed_wcu * prices.onDemandWritePerMillion) / 1e6,
      15,
    )
    expect(lines[1]).toMatchObject({ ConsumedWCU: consumed_wcu, EstimatedCostUSD: estimated_cost_usd })
    const report = await verifyAuditChain({
      db: createDb({ client }),
      table: tables.audit.name,
      partnerId: 'p-fail',
    })
    expect(report.valid).toBe(true)
  })

  it('records the route when a request fails before recording anything, and names odd errors "Error"', async () => {
    const handler = auditedHandler(client, { table: tables.audit.name, logger: () => {} }, async () => {
      throw 'a string, not an Error'
    })
    await expect(handler(event('p-route'), lambdaContext({ awsRequestId: 'req-route' }))).rejects.toBe(
      'a string, not an Error',
    )
    const [entry] = await entityHistory({
      db: createDb({ client }),
      table: tables.audit.name,
      partnerId: 'p-route',
      entity: 'request',
      key: { requestId: 'req-route' },
    })
    expect(entry).toMatchObject({ action: 'POST /payments', outcome: { failure: 'Error' } })
  })

  it('records the route alone when a failed request recorded more entries than one transaction holds', async () => {
    const { lines, logger } = captureLogger()
    const handler = auditedHandler(client, { table: tables.audit.name, logger }, async (_e, context) => {
      for (let line = 0; line < 100; line++) {
        context.audit.record({ action: 'import', entity: 'Line', key: { line }, after: { amount: line } })
      }
      throw new Error('the import failed')
    })
    await expect(handler(event('p-many'), lambdaContext({ awsRequestId: 'req-many' }))).rejects.toThrow(
      'the import failed',
    )
    const [entry] = await entityHistory({
      db: createDb({ client }),
      table: tables.audit.name,
      partnerId: 'p-many',
      entity: 'request',
      key: { requestId: 'req-many' },
    })
    expect(entry).toMatchObject({ action: 'POST /payments', outcome: { failure: 'Error' } })
    expect(lines[0]).toMatchObject({ level: 'ERROR', audit_entries: 1 })
    expect(lines[0]).not.toHaveProperty('audit_write_error')
  })

  it('lands neither business write nor success entry when the commit is cancelled, and records the failure', async () => {
    await client.send(
      new PutItemCommand({
        TableName: tables.payments.name,
        Item: marshallItem({ pk: 'pay-dup', sk: 'payment', status: 'old' }),
      }),
    )
    const handler = auditedHandler(
      client,
      { table: tables.audit.name, logger: () => {} },
      async (_e, context) => capture(context, 'pay-dup', { status: 'new' }),
    )
    const error = await handler(event('p-cancel'), lambdaContext()).catch((e: unknown) => e)
    expect(isDynamormError(error, 'TransactionCancelledError')).toBe(true)
    expect((await payment('pay-dup'))?.status).toEqual({ S: 'old' })
    const entries = await entityHistory({
      db: createDb({ client }),
      table: tables.audit.name,
      partnerId: 'p-cancel',
      entity: 'Payment',
      key: { paymentId: 'pay-dup' },
    })
    expect(entries.map((entry) => entry.outcome)).toEqual([{ failure: 'TransactionCancelledError' }])
    const report = await verifyAuditChain({
      db: createDb({ client }),
      table: tables.audit.name,
      partnerId: 'p-cancel',
    })
    expect(report).toMatchObject({ valid: true, entries: 1 })
  })

  it('turns a lost shard lease into a retryable AuditChainConflictError; nothing of the request lands', async () => {
    const audit = auditTrail({ table: tables.audit.name, shards: 2, logger: () => {} })
    const handler = auditedHandler(
      client,
      {},
      async (_e, context) => capture(context, `pay-${context.awsRequestId}`),
      audit,
    )
    await handler(event('p-steal'), lambdaContext({ awsRequestId: 'steal-1' }))
    // Another container takes the shard over (as if our lease had expired while we were frozen).
    const heads = await Promise.all(
      [0, 1].map((shard) =>
        client.send(
          new GetItemCommand({
            TableName: tables.audit.name,
            Key: { pk: { S: shardPartitionKey('p-steal', shard) }, sk: { S: 'HEAD' } },
          }),
        ),
      ),
    )
    const shard = heads.findIndex((head) => head.Item !== undefined)
    await client.send(
      new UpdateItemCommand({
        TableName: tables.audit.name,
        Key: { pk: { S: shardPartitionKey('p-steal', shard) }, sk: { S: 'HEAD' } },
        UpdateExpression: 'SET #owner = :other, leaseUntil = :later',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: {
          ':other': { S: 'other-container' },
          ':later': { N: String(Date.now() + 600_000) },
        },
      }),
    )
    const error = await handler(event('p-steal'), lambdaContext({ awsRequestId: 'steal-2' })).catch(
      (e: unknown) => e,
    )
    expect(isDynamormError(error, 'AuditChainConflictError')).toBe(true)
    expect((error as { status: number }).status).toBe(503)
    expect(await payment('pay-steal-2')).toBeUndefined()
    // The failure entry went to the other shard; the next request works there too.
    await handler(event('p-steal'), lambdaContext({ awsRequestId: 'steal-3' }))
    expect(await payment('pay-steal-3')).toBeDefined()
    const report = await verifyAuditChain({
      db: createDb({ client }),
      table: tables.audit.name,
      partnerId: 'p-steal',
      shards: 2,
    })
    expect(report).toMatchObject({ valid: true, entries: 3, shards: 2 })
    const history = await entityHistory({
      db: createDb({ client }),
      table: tables.audit.name,
      partnerId: 'p-steal',
      entity: 'Payment',
      key: { paymentId: 'pay-steal-2' },
    })
    expect(history.map((entry) => entry.outcome)).toEqual([{ failure: 'AuditChainConflictError' }])
  })

  /** Sets a shard's head back to its entry `seq` (seq and hash), as tampering or a restore of the head alone would. */
  async function setHeadBack(partnerId: string, shard: number, seq: number) {
    const { Item } = await client.send(
      new GetItemCommand({
        TableName: tables.audit.name,
        Key: { pk: { S: shardPartitionKey(partnerId, shard) }, sk: { S: entrySortKey(seq) } },
        ConsistentRead: true,
      }),
    )
    await client.send(
      new UpdateItemCommand({
        TableName: tables.audit.name,
        Key: { pk: { S: shardPartitionKey(partnerId, shard) }, sk: { S: 'HEAD' } },
        UpdateExpression: 'SET #seq = :seq, #hash = :hash',
        ExpressionAttributeNames: { '#seq': 'seq', '#hash': 'hash' },
        ExpressionAttributeValues: { ':seq': { N: String(seq) }, ':hash': Item!.hash! },
      }),
    )
  }

  it('takes a shard whose head was set back out of use, audits on another and leaves the tampering for the verifier', async () => {
    const { lines, logger } = captureLogger()
    const audit = auditTrail({ table: tables.audit.name, shards: 2, logger })
    const handler = auditedHandler(
      client,
      {},
      async (_e, context) => capture(context, `pay-${context.awsRequestId}`),
      audit,
    )
    const run = (id: string) => handler(event('p-back'), lambdaContext({ awsRequestId: id }))
    for (const id of ['back-1', 'back-2', 'back-3']) await run(id)
    const [first] = await entityHistory({
      db: createDb({ client }),
      table: tables.audit.name,
      partnerId: 'p-back',
      entity: 'Payment',
      key: { paymentId: 'pay-back-1' },
    })
    const shard = first!.chain.shard
    await setHeadBack('p-back', shard, 1)
    // The request in flight when the head moved fails as a conflict, with nothing of it written...
    const error = await run('back-4').catch((e: unknown) => e)
    expect(isDynamormError(error, 'AuditChainConflictError')).toBe(true)
    expect((error as { status: number }).status).toBe(503)
    expect(await payment('pay-back-4')).toBeUndefined()
    // ...and the container stops writing to that shard: every later request lands on the other one.
    for (const id of ['back-5', 'back-6', 'back-7']) await run(id)
    for (const id of ['back-5', 'back-6', 'back-7']) expect(await payment(`pay-${id}`)).toBeDefined()
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'audit chain shard out of use: its head is behind its entries',
        partner: 'p-back',
        shard,
      }),
    )
    expect(lines).toContainEqual(
      expect.objectContaining({ partner: 'p-back', shard, AuditShardsOutOfUse: 1 }),
    )
    const history = async (paymentId: string) =>
      entityHistory({
        db: createDb({ client }),
        table: tables.audit.name,
        partnerId: 'p-back',
        entity: 'Payment',
        key: { paymentId },
      })
    // The failed request's failure entry landed too, on the other shard.
    const [failed] = await history('pay-back-4')
    expect(failed).toMatchObject({
      outcome: { failure: 'AuditChainConflictError' },
      chain: { shard: 1 - shard },
    })
    expect((await history('pay-back-7'))[0]!.chain).toMatchObject({ shard: 1 - shard, seq: 4 })
    // Nothing was repaired or overwritten: the verifier reports the shard's entries past its head.
    const report = await verifyAuditChain({
      db: createDb({ client }),
      table: tables.audit.name,
      partnerId: 'p-back',
      shards: 2,
    })
    expect(report.valid).toBe(false)
    expect(report.problems.length).toBeGreaterThan(0)
    expect(report.problems.every((problem) => problem.shard === shard)).toBe(true)
    expect(report.problems).toContainEqual(expect.objectContaining({ kind: 'inserted', position: 2 }))
  })

  it('refuses with a typed error once every shard of the partner is out of use', async () => {
    const { lines, logger } = captureLogger()
    const audit = auditTrail({ table: tables.audit.name, shards: 1, logger })
    const handler = auditedHandler(
      client,
      {},
      async (_e, context) => capture(context, `pay-${context.awsRequestId}`),
      audit,
    )
    const run = (id: string) => handler(event('p-back-all'), lambdaContext({ awsRequestId: id }))
    await run('all-1')
    await run('all-2')
    await setHeadBack('p-back-all', 0, 1)
    expect(isDynamormError(await run('all-3').catch((e: unknown) => e), 'AuditChainConflictError')).toBe(true)
    const error = await run('all-4').catch((e: unknown) => e)
    expect(isDynamormError(error, 'AuditShardsExhaustedError')).toBe(true)
    expect(error).toMatchObject({ status: 503, details: { shards: 1, outOfUse: 1 } })
    expect(await payment('pay-all-4')).toBeUndefined()
    expect(lines.at(-2)).toMatchObject({ level: 'ERROR', audit_write_error: 'AuditShardsExhaustedError' })
  })

  it('audits a request that failed before the audit ran (unknown partner) under the unresolved partner', async () => {
    const { lines, logger } = captureLogger()
    const handler = auditedHandler(client, { table: tables.audit.name, logger }, async () => ({}))
    const noPartner = httpApiEvent({ method: 'POST', path: '/payments', jwtClaims: { sub: 'intruder' } })
    const error = await handler(noPartner, lambdaContext({ awsRequestId: 'req-nopartner' })).catch(
      (e: unknown) => e,
    )
    expect((error as Error).name).toBe('PartnerUnknownError')
    const [entry] = await entityHistory({
      db: createDb({ client }),
      table: tables.audit.name,
      partnerId: 'unresolved',
      entity: 'request',
      key: { requestId: 'req-nopartner' },
    })
    expect(entry).toMatchObject({
      actor: 'intruder',
      action: 'POST /payments',
      outcome: { failure: 'PartnerUnknownError' },
    })
    expect(lines[0]).toMatchObject({ level: 'ERROR', partner: 'unresolved', audit_entries: 1 })
  })

  it('keeps oversized changes out of the entry so they cannot cancel the business write', async () => {
    const handler = auditedHandler(
      client,
      { table: tables.audit.name, logger: () => {} },
      async (_e, context) => {
        context.audit.record({
          action: 'import',
          entity: 'Batch',
          key: { id: 'b1' },
          after: { rows: 'r'.repeat(70_000), note: 'x' },
        })
        context.audit.record({
          action: 'import',
          entity: 'Batch',
          key: { id: 'b2' },
          after: Object.fromEntries(
            Array.from({ length: 5_000 }, (_, i) => [`field-with-a-long-name-${i}`, i]),
          ),
        })
        return capture(context, 'pay-big')
      },
    )
    await handler(event('p-big'), lambdaContext())
    expect(await payment('pay-big')).toBeDefined()
    const db = createDb({ client })
    const [one] = await entityHistory({
      db,
      table: tables.audit.name,
      partnerId: 'p-big',
      entity: 'Batch',
      key: { id: 'b1' },
    })
    expect(one!.changes).toEqual({ rows: { after: '[TOO LARGE]' }, note: { after: '[TOO LARGE]' } })
    const [two] = await entityHistory({
      db,
      table: tables.audit.name,
      partnerId: 'p-big',
      entity: 'Batch',
      key: { id: 'b2' },
    })
    expect(two!.changes).toEqual({ '[TOO LARGE]': {} })
  })

  it('bounds changes in UTF-8 bytes: many entries of multi-byte text stay within the 4 MB transaction', async () => {
    // 59,000 characters are under the bound as characters, but 177 KB each in UTF-8: 24 such entries
    // would make the transaction larger than DynamoDB's 4 MB and cancel the payment with them.
    const handler = auditedHandler(
      client,
      { table: tables.audit.name, logger: () => {} },
      async (_e, context) => {
        for (let line = 0; line < 24; line++) {
          context.audit.record({
            action: 'import',
            entity: 'Statement',
            key: { line },
            after: { text: '€'.repeat(59_000) },
          })
        }
        return capture(context, 'pay-wide')
      },
    )
    await handler(event('p-wide'), lambdaContext())
    expect(await payment('pay-wide')).toBeDefined()
    const [entry] = await entityHistory({
      db: createDb({ client }),
      table: tables.audit.name,
      partnerId: 'p-wide',
      entity: 'Statement',
      key: { line: 23 },
    })
    expect(entry!.changes).toEqual({ text: { after: '[TOO LARGE]' } })
  })

  it('refuses at record() an entity and key too long for the byEntity index key; nothing of the request lands', async () => {
    const longId = 'p'.repeat(3000)
    // 256 characters pass the name check, but URI-encoded each '€' takes 9 bytes of the index key.
    const wideEntity = '€'.repeat(256)
    for (const [paymentId, entity] of [
      [longId, 'Payment'],
      ['pay-wide', wideEntity],
    ] as const) {
      let thrownByRecord: unknown
      const handler = auditedHandler(
        client,
        { table: tables.audit.name, logger: () => {} },
        async (_e, context) => {
          capture(context, `pay-long-${entity.length}`)
          try {
            context.audit.record({ action: 'capture', entity, key: { paymentId } })
          } catch (error) {
            thrownByRecord = error
            throw error
          }
          return { statusCode: 201 }
        },
      )
      const error = await handler(event('p-long-key'), lambdaContext()).catch((e: unknown) => e)
      expect(error).toBe(thrownByRecord)
      expect(isDynamormError(error, 'AuditRecordInvalidError')).toBe(true)
      expect((error as { status: number }).status).toBe(500)
      expect((error as Error).message).toContain('2048 bytes')
      expect((error as Error).message).not.toContain('ppp')
      expect((error as Error).message).not.toContain('€')
      expect(await payment(`pay-long-${entity.length}`)).toBeUndefined()
    }
    // Only the two failure entries landed, under the request, without the key or the entity.
    const stored = JSON.stringify(await scanAll(client, tables.audit.name))
    expect(stored).not.toContain('ppp')
    expect(stored).not.toContain('%E2%82%AC')
    // Measured as DynamoDB does, in UTF-8 bytes: `p-long-key#Payment#{"paymentId":"…"}` at exactly 2048 lands.
    const atLimit = '€'.repeat(671)
    const handler = auditedHandler(
      client,
      { table: tables.audit.name, logger: () => {} },
      async (_e, context) => {
        context.audit.record({ action: 'capture', entity: 'Payment', key: { paymentId: atLimit } })
        return capture(context, 'pay-at-limit')
      },
    )
    await expect(handler(event('p-long-key'), lambdaContext())).resolves.toEqual({ statusCode: 201 })
    const [entry] = await entityHistory({
      db: createDb({ client }),
      table: tables.audit.name,
      partnerId: 'p-long-key',
      entity: 'Payment',
      key: { paymentId: atLimit },
    })
    expect(entry).toMatchObject({ outcome: 'success', key: { paymentId: atLimit } })
    const report = await verifyAuditChain({
      db: createDb({ client }),
      table: tables.audit.name,
      partnerId: 'p-long-key',
    })
    expect(report).toMatchObject({ valid: true, entries: 4 })
  })

  it("keeps a failure entry within DynamoDB's limits for a hostile route, a surrogate pair cut at 256 included", async () => {
    const { lines, logger } = captureLogger()
    const handler = auditedHandler(client, { table: tables.audit.name, logger }, async () => {
      throw Object.assign(new Error('declined'), { name: 'CardDeclinedError' })
    })
    // A $default route names the request by its raw path, which the client chooses.
    const hostile = httpApiEvent({
      method: 'POST',
      path: `/x${'😀'.repeat(4000)}`,
      routeKey: '$default',
      jwtClaims: { sub: 'u', partner: 'p-hostile-route' },
    })
    await expect(handler(hostile, lambdaContext({ awsRequestId: 'req-hostile' }))).rejects.toThrow('declined')
    expect(lines[0]).toMatchObject({ level: 'ERROR', audit_entries: 1 })
    const [entry] = await entityHistory({
      db: createDb({ client }),
      table: tables.audit.name,
      partnerId: 'p-hostile-route',
      entity: 'request',
      key: { requestId: 'req-hostile' },
    })
    expect(entry!.action).toHaveLength(256)
    expect(entry!.action.startsWith('POST /x😀')).toBe(true)
    const report = await verifyAuditChain({
      db: createDb({ client }),
      table: tables.audit.name,
      partnerId: 'p-hostile-route',
    })
    expect(report).toMatchObject({ valid: true, entries: 1 })
  })

  it('re-reads the head after a commit whose outcome is unknown, and logs a failure entry it could not write', async () => {
    const proxy = await startDynamoFaultProxy(inject('dynamoEndpoint'))
    try {
      const flaky = localDynamoClient(proxy.endpoint, { maxAttempts: 1 })
      const { lines, logger } = captureLogger()
      const audit = auditTrail({ table: tables.audit.name, shards: 1, logger })
      const handler = auditedHandler(
        flaky,
        {},
        async (_e, context) => capture(context, `pay-${context.awsRequestId}`),
        audit,
      )
      await handler(event('p-flaky'), lambdaContext({ awsRequestId: 'flaky-1' }))
      // The commit is dropped; the failure entry then goes through (after re-reading the head).
      proxy.faults.set({ drop: 1, operation: 'TransactWriteItems' })
      const dropped = await handler(event('p-flaky'), lambdaContext({ awsRequestId: 'flaky-2' })).catch(
        (e: unknown) => e,
      )
      expect(isDynamormError(dropped, 'ServiceUnavailableError')).toBe(true)
      // Both the commit and the failure entry are dropped: the request's error stands, the log says why.
      proxy.faults.set({ drop: 2, operation: 'TransactWriteItems' })
      const twice = await handler(event('p-flaky'), lambdaContext({ awsRequestId: 'flaky-3' })).catch(
        (e: unknown) => e,
      )
      expect(isDynamormError(twice, 'ServiceUnavailableError')).toBe(true)
      expect(lines.at(-2)).toMatchObject({
        level: 'ERROR',
        audit_write_error: 'ServiceUnavailableError',
        audit_entries: 0,
      })
      proxy.faults.reset()
      await handler(event('p-flaky'), lambdaContext({ awsRequestId: 'flaky-4' }))
      expect(await payment('pay-flaky-4')).toBeDefined()
      const report = await verifyAuditChain({
        db: createDb({ client }),
        table: tables.audit.name,
        partnerId: 'p-flaky',
        shards: 1,
      })
      expect(report).toEqual({ valid: true, entries: 3, shards: 1, problems: [] })
    } finally {
      await proxy.close()
    }
  })

  it('logs instead of failing again when every shard is taken, keeping the original error', async () => {
    const { lines, logger } = captureLogger()
    await client.send(
      new PutItemCommand({
        TableName: tables.audit.name,
        Item: marshallItem({
          pk: shardPartitionKey('p-full', 0),
          sk: 'HEAD',
          owner: 'someone',
          leaseUntil: Date.now() + 600_000,
          seq: 0,
          hash: 'x',
        }),
      }),
    )
    const handler = auditedHandler(
      client,
      { table: tables.audit.name, shards: 1, logger },
      async (_e, context) => capture(context, 'pay-full'),
    )
    const error = await handler(event('p-full'), lambdaContext()).catch((e: unknown) => e)
    expect(isDynamormError(error, 'AuditShardsExhaustedError')).toBe(true)
    expect(await payment('pay-full')).toBeUndefined()
    expect(lines[0]).toMatchObject({
      level: 'ERROR',
      audit_write_error: 'AuditShardsExhaustedError',
      audit_entries: 0,
    })
  })
})
