import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb'
import { canonicalJson, createDb, isDynamormError, type JsonValue } from '@dynamorm/core'
import { httpApiEvent, lambdaContext, type TestTable } from '@dynamorm/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chainHash, genesisHash } from '../src/chain-hash.ts'
import { verifyShard } from '../src/chain-verifier.ts'
import { auditTrail, entityHistory, verifyAuditChain } from '../src/index.ts'
import { entrySortKey, shardPartitionKey } from '../src/table-layout.ts'
import { auditedHandler, createAuditTable, testClient } from './audit-fixture.ts'

let client: DynamoDBClient
let table: TestTable
let partnerCount = 0

beforeAll(async () => {
  client = testClient()
  table = await createAuditTable(client, 'verify')
})
afterAll(() => table.delete())

/** A partner with a one-shard chain of `n` entries written through the middleware. */
async function chainOf(n: number, chainKey?: string): Promise<string> {
  const partner = `tamper-${++partnerCount}`
  const handler = auditedHandler(
    client,
    {},
    async (_e, context) => {
      context.audit.record({
        action: 'capture',
        entity: 'Payment',
        key: { id: context.awsRequestId },
        after: { amount: 1 },
      })
      return {}
    },
    auditTrail({ table: table.name, shards: 1, logger: () => {}, ...(chainKey ? { chainKey } : {}) }),
  )
  for (let i = 1; i <= n; i++) {
    await handler(
      httpApiEvent({ jwtClaims: { sub: 'u', partner } }),
      lambdaContext({ awsRequestId: `${partner}-r${i}` }),
    )
  }
  return partner
}

/** A partner whose trail fills all 8 shards: 8 containers (auditTrail() instances), one lease each. */
async function trailOnEightShards(): Promise<string> {
  const partner = `eight-${++partnerCount}`
  await Promise.all(
    Array.from({ length: 8 }, (_, container) =>
      auditedHandler(
        client,
        {},
        async (_e, context) => {
          context.audit.record({ action: 'capture', entity: 'Payment', key: { id: context.awsRequestId } })
          return {}
        },
        auditTrail({ table: table.name, shards: 8, logger: () => {} }),
      )(
        httpApiEvent({ jwtClaims: { sub: 'u', partner } }),
        lambdaContext({ awsRequestId: `${partner}-c${container}` }),
      ),
    ),
  )
  return partner
}

const shardKey = (partner: string, shard: number, sortKey: string) => ({
  pk: { S: shardPartitionKey(partner, shard) },
  sk: { S: sortKey },
})

const key = (partner: string, slot: number | string) => ({
  pk: { S: shardPartitionKey(partner, 0) },
  sk: { S: typeof slot === 'number' ? entrySortKey(slot) : slot },
})

async function read(partner: string, slot: number | string): Promise<Record<string, AttributeValue>> {
  const { Item } = await client.send(
    new GetItemCommand({ TableName: table.name, Key: key(partner, slot), ConsistentRead: true }),
  )
  return Item!
}

async function write(partner: string, slot: number, item: Record<string, AttributeValue>) {
  await client.send(new PutItemCommand({ TableName: table.name, Item: { ...item, ...key(partner, slot) } }))
}

async function remove(partner: string, slot: number) {
  await client.send(new DeleteItemCommand({ TableName: table.name, Key: key(partner, slot) }))
}

/** Rewrites an entry's content; with `rehash` the stored hash is recomputed too (plain SHA-256). */
async function edit(
  partner: string,
  slot: number,
  change: (content: Record<string, JsonValue>) => void,
  rehash: boolean,
) {
  const item = await read(partner, slot)
  const content = JSON.parse(item.content!.S!) as Record<string, JsonValue>
  change(content)
  const text = canonicalJson(content)
  await write(partner, slot, {
    ...item,
    content: { S: text },
    ...(rehash ? { hash: { S: chainHash(text) } } : {}),
  })
}

/** Tampers with an item's index attributes only (content and hash untouched), as UpdateItem can. */
async function reindex(
  itemKey: Record<string, AttributeValue>,
  update: string,
  values?: Record<string, AttributeValue>,
) {
  await client.send(
    new UpdateItemCommand({
      TableName: table.name,
      Key: itemKey,
      UpdateExpression: update,
      ...(values ? { ExpressionAttributeValues: values } : {}),
    }),
  )
}

const verify = (partnerId: string, chainKey?: string) =>
  verifyAuditChain({
    db: createDb({ client }),
    table: table.name,
    partnerId,
    shards: 1,
    ...(chainKey ? { chainKey } : {}),
  })

const summary = (problems: Awaited<ReturnType<typeof verify>>['problems']) =>
  problems.map(({ kind, position, seq, count }) =>
    count === undefined ? { kind, position, seq } : { kind, position, seq, count },
  )

describe('verifyAuditChain()', () => {
  it('accepts an untouched chain', async () => {
    const partner = await chainOf(4)
    await expect(verify(partner)).resolves.toEqual({ valid: true, entries: 4, shards: 1, problems: [] })
  })

  it('finds an edited entry whose hash was left alone', async () => {
    const partner = await chainOf(6)
    await edit(partner, 3, (content) => void (content.actor = 'someone-else'), false)
    const report = await verify(partner)
    expect(report.valid).toBe(false)
    expect(summary(report.problems)).toEqual([{ kind: 'modified', position: 3, seq: 3 }])
  })

  it('finds an edited entry whose hash was recomputed, by the broken link after it', async () => {
    const partner = await chainOf(6)
    await edit(partner, 3, (content) => void (content.outcome = 'success-edited'), true)
    expect(summary((await verify(partner)).problems)).toEqual([{ kind: 'modified', position: 3, seq: 3 }])
  })

  it('finds a rewritten last entry through the chain head', async () => {
    const partner = await chainOf(4)
    await edit(partner, 4, (content) => void (content.actor = 'x'), true)
    expect(summary((await verify(partner)).problems)).toEqual([{ kind: 'modified', position: 4, seq: 4 }])
  })

  it('with a chain key, a recomputed plain hash does not pass as genuine', async () => {
    const partner = await chainOf(3, 'chain-secret')
    await expect(verify(partner, 'chain-secret')).resolves.toMatchObject({ valid: true })
    await edit(partner, 2, (content) => void (content.actor = 'x'), true)
    expect(summary((await verify(partner, 'chain-secret')).problems)).toEqual([
      { kind: 'modified', position: 2, seq: 2 },
    ])
  })

  it('finds deleted entries: one, a run, and the last', async () => {
    const one = await chainOf(6)
    await remove(one, 3)
    expect(summary((await verify(one)).problems)).toEqual([
      { kind: 'deleted', position: 3, seq: 3, count: 1 },
    ])
    const run = await chainOf(6)
    await remove(run, 2)
    await remove(run, 3)
    expect(summary((await verify(run)).problems)).toEqual([
      { kind: 'deleted', position: 2, seq: 2, count: 2 },
    ])
    const last = await chainOf(4)
    await remove(last, 4)
    expect(summary((await verify(last)).problems)).toEqual([
      { kind: 'deleted', position: 4, seq: 4, count: 1 },
    ])
  })

  it('finds a deletion hidden by renumbering the later entries', async () => {
    const partner = await chainOf(6)
    for (let slot = 4; slot <= 6; slot++) await write(partner, slot - 1, await read(partner, slot))
    await remove(partner, 6)
    expect(summary((await verify(partner)).problems)).toEqual([
      { kind: 'deleted', position: 3, seq: 3, count: 1 },
    ])
  })

  it('finds reordered entries at both positions', async () => {
    const partner = await chainOf(6)
    const [two, five] = [await read(partner, 2), await read(partner, 5)]
    await write(partner, 2, five)
    await write(partner, 5, two)
    expect(summary((await verify(partner)).problems)).toEqual([
      { kind: 'reordered', position: 2, seq: 5 },
      { kind: 'reordered', position: 5, seq: 2 },
    ])
  })

  it('finds an entry appended past the head', async () => {
    const partner = await chainOf(3)
    const last = await read(partner, 3)
    const content = JSON.parse(last.content!.S!) as Record<string, JsonValue> & {
      chain: Record<string, JsonValue>
    }
    content.chain = { ...content.chain, seq: 4, prevHash: last.hash!.S! }
    content.actor = 'forger'
    const text = canonicalJson(content)
    await write(partner, 4, { ...last, content: { S: text }, hash: { S: chainHash(text) } })
    expect(summary((await verify(partner)).problems)).toEqual([{ kind: 'inserted', position: 4, seq: 4 }])
  })

  it('finds an inserted entry that claims a seq before the chain starts (0 or negative)', async () => {
    const partner = await chainOf(2)
    const first = await read(partner, 1)
    for (const [slot, seq] of [
      [3, 0],
      [4, -1],
    ] as const) {
      const forged = JSON.parse(first.content!.S!) as Record<string, JsonValue> & {
        chain: Record<string, JsonValue>
      }
      forged.chain = { ...forged.chain, seq }
      forged.action = 'refund'
      const text = canonicalJson(forged)
      await write(partner, slot, { ...first, content: { S: text }, hash: { S: chainHash(text) } })
    }
    expect(summary((await verify(partner)).problems)).toEqual([
      { kind: 'inserted', position: 3, seq: 0 },
      { kind: 'inserted', position: 4, seq: -1 },
    ])
  })

  it('finds an entry inserted in the middle with the later entries shifted up', async () => {
    const partner = await chainOf(5)
    for (let slot = 5; slot >= 3; slot--) await write(partner, slot + 1, await read(partner, slot))
    const previous = await read(partner, 2)
    const forged = JSON.parse((await read(partner, 4)).content!.S!) as Record<string, JsonValue> & {
      chain: Record<string, JsonValue>
    }
    forged.chain = { ...forged.chain, seq: 3, prevHash: previous.hash!.S! }
    forged.action = 'refund'
    const text = canonicalJson(forged)
    await write(partner, 3, { ...previous, content: { S: text }, hash: { S: chainHash(text) } })
    expect(summary((await verify(partner)).problems)).toEqual([{ kind: 'inserted', position: 3, seq: 3 }])
  })

  it("finds another partner's entry copied into the chain", async () => {
    const victim = await chainOf(2)
    const other = await chainOf(3)
    await write(victim, 3, await read(other, 3))
    const problems = summary((await verify(victim)).problems)
    expect(problems).toContainEqual({ kind: 'inserted', position: 3, seq: 3 })
  })

  it('finds a deleted or rewritten chain head and foreign sort keys', async () => {
    const headless = await chainOf(2)
    await client.send(new DeleteItemCommand({ TableName: table.name, Key: key(headless, 'HEAD') }))
    expect(summary((await verify(headless)).problems)).toEqual([{ kind: 'deleted', position: 0, seq: 0 }])
    const rewound = await chainOf(3)
    await client.send(
      new UpdateItemCommand({
        TableName: table.name,
        Key: key(rewound, 'HEAD'),
        UpdateExpression: 'SET #hash = :h',
        ExpressionAttributeNames: { '#hash': 'hash' },
        ExpressionAttributeValues: { ':h': { S: 'f'.repeat(64) } },
      }),
    )
    expect(summary((await verify(rewound)).problems)).toEqual([{ kind: 'modified', position: 3, seq: 3 }])
    const odd = await chainOf(1)
    await write(odd, 1, { ...(await read(odd, 1)) })
    await client.send(
      new PutItemCommand({
        TableName: table.name,
        Item: { ...key(odd, 'ENTRY#garbage'), content: { S: '{}' } },
      }),
    )
    expect(summary((await verify(odd)).problems)).toEqual([{ kind: 'inserted', position: 0, seq: 0 }])
  })

  it('reports a forged slot far past the head at once, without stepping through every missing seq', async () => {
    const partner = await chainOf(2)
    const far = 999_999_999_999
    await write(partner, far, { ...(await read(partner, 2)), content: { S: 'forged' } })
    expect(summary((await verify(partner)).problems)).toEqual([
      { kind: 'deleted', position: 3, seq: 3, count: far - 3 },
      { kind: 'modified', position: far, seq: far },
      { kind: 'inserted', position: far, seq: far },
    ])
  })

  it('treats unparseable content as modified in its slot', () => {
    const problems = verifyShard('p', 0, [{ sortKey: entrySortKey(1), content: 'not json', hash: 'x' }], {
      seq: 1,
      hash: 'x',
    })
    expect(problems.map(({ kind, position }) => ({ kind, position }))).toEqual([
      { kind: 'modified', position: 1 },
    ])
    expect(
      verifyShard('p', 0, [{ sortKey: entrySortKey(1), content: '{"chain":null}', hash: 'x' }], undefined),
    ).toHaveLength(2)
  })

  it('reports a hashed content no index can be derived from (a forged entity) as unindexed, without throwing', () => {
    const text = canonicalJson({
      v: 1,
      partner: 'p',
      timestamp: '2026-01-01T00:00:00.000Z',
      entity: 'Pay\ud800',
      key: { id: '1' },
      chain: { shard: 0, seq: 1, prevHash: genesisHash('p', 0) },
    })
    const hash = chainHash(text)
    const problems = verifyShard('p', 0, [{ sortKey: entrySortKey(1), content: text, hash }], {
      seq: 1,
      hash,
    })
    expect(problems.map(({ kind, attribute }) => `${kind} ${attribute}`)).toEqual([
      'unindexed entityRef',
      'unindexed partnerRef',
      'unindexed recordedAt',
    ])
  })

  it('verifies every shard the trail has, not only the count given (a lower count is a floor)', async () => {
    const partner = await trailOnEightShards()
    const report = await verifyAuditChain({
      db: createDb({ client }),
      table: table.name,
      partnerId: partner,
      shards: 2,
    })
    expect(report).toEqual({ valid: true, entries: 8, shards: 8, problems: [] })
  })

  it('finds a deleted head of a shard beyond the count given, its entries left', async () => {
    const partner = await trailOnEightShards()
    await client.send(new DeleteItemCommand({ TableName: table.name, Key: shardKey(partner, 6, 'HEAD') }))
    const report = await verifyAuditChain({
      db: createDb({ client }),
      table: table.name,
      partnerId: partner,
      shards: 2,
    })
    expect(report.valid).toBe(false)
    expect(report.problems.map(({ kind, shard, position }) => ({ kind, shard, position }))).toEqual([
      { kind: 'deleted', shard: 6, position: 0 },
    ])
  })

  it('cannot see a whole shard deleted, head and entries: documented, an external anchor is the remedy', async () => {
    const partner = await trailOnEightShards()
    const { Items } = await client.send(
      new QueryCommand({
        TableName: table.name,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': { S: shardPartitionKey(partner, 6) } },
      }),
    )
    for (const item of Items!)
      await client.send(new DeleteItemCommand({ TableName: table.name, Key: { pk: item.pk!, sk: item.sk! } }))
    // The index loses the shard's entries with them: it looks like a shard never used.
    const report = await verifyAuditChain({ db: createDb({ client }), table: table.name, partnerId: partner })
    expect(report).toEqual({ valid: true, entries: 7, shards: 7, problems: [] })
  })

  it('finds entries unlinked from the byEntity and byPartnerTime indexes, naming the attribute, never its value', async () => {
    const partner = await chainOf(5)
    const db = createDb({ client })
    const firstKey = JSON.parse((await read(partner, 1)).content!.S!).key as Record<string, string>
    const otherRef = (await read(partner, 2)).entityRef!
    await reindex(key(partner, 1), 'REMOVE entityRef')
    await reindex(key(partner, 2), 'REMOVE partnerRef')
    await reindex(key(partner, 3), 'REMOVE recordedAt')
    await reindex(key(partner, 4), 'SET entityRef = :ref', { ':ref': otherRef })
    await reindex(key(partner, 5), 'SET recordedAt = :at', {
      ':at': { S: '1970-01-01T00:00:00.000Z#0000#000000000005' },
    })
    // Hidden from the readers, which trust the index...
    await expect(
      entityHistory({ db, table: table.name, partnerId: partner, entity: 'Payment', key: firstKey }),
    ).resolves.toEqual([])
    const report = await verify(partner)
    // ...but not from the verifier.
    expect(report.valid).toBe(false)
    expect(
      report.problems.map(({ kind, position, seq, attribute }) => ({ kind, position, seq, attribute })),
    ).toEqual([
      { kind: 'unindexed', position: 1, seq: 1, attribute: 'entityRef' },
      { kind: 'unindexed', position: 2, seq: 2, attribute: 'partnerRef' },
      { kind: 'unindexed', position: 3, seq: 3, attribute: 'recordedAt' },
      { kind: 'unindexed', position: 4, seq: 4, attribute: 'entityRef' },
      { kind: 'unindexed', position: 5, seq: 5, attribute: 'recordedAt' },
    ])
    const text = JSON.stringify(report.problems)
    for (const value of [partner, otherRef.S!, '1970-01-01', firstKey.id!]) expect(text).not.toContain(value)
  })

  it('finds a shard whose entries were all unlinked from byPartnerTime when the count given covers it', async () => {
    const partner = await trailOnEightShards()
    await reindex(shardKey(partner, 6, entrySortKey(1)), 'SET partnerRef = :other', {
      ':other': { S: 'another-partner' },
    })
    const within = await verifyAuditChain({
      db: createDb({ client }),
      table: table.name,
      partnerId: partner,
      shards: 8,
    })
    expect(within.valid).toBe(false)
    expect(
      within.problems.map(({ kind, shard, position, attribute }) => ({ kind, shard, position, attribute })),
    ).toEqual([{ kind: 'unindexed', shard: 6, position: 1, attribute: 'partnerRef' }])
    // Beyond the count given, nothing of the shard is left on the index: documented, an external anchor
    // (or a count at least the writers') is the remedy.
    const beyond = await verifyAuditChain({
      db: createDb({ client }),
      table: table.name,
      partnerId: partner,
      shards: 2,
    })
    expect(beyond).toEqual({ valid: true, entries: 7, shards: 7, problems: [] })
  })

  it('rejects bad options before reading anything', async () => {
    const db = createDb({ client })
    for (const options of [
      { db, partnerId: '' },
      { db, partnerId: 'p', shards: 0 },
      { db, partnerId: 'p', shards: 1.5 },
      { db, partnerId: 'p', concurrency: 0 },
    ]) {
      const error = await verifyAuditChain(options).catch((e: unknown) => e)
      expect(isDynamormError(error, 'AuditOptionsInvalidError')).toBe(true)
    }
  })
})
