// The strongest check that a builder is right: DynamoDB Local runs its requests. Each side writes a
// payment, reads it back, refunds it, sees the refund refused the second time (the condition holds no
// more) and queries its partner, in a table of its own.
import assert from 'node:assert/strict'
import {
  type DynamoDBClient,
  GetItemCommand,
  type GetItemCommandInput,
  PutItemCommand,
  type PutItemCommandInput,
  QueryCommand,
  type QueryCommandInput,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb'
import { unmarshallItem } from '@dynamorm/core'
import { createTestTable } from '@dynamorm/testing'
import { type PaymentInput, type PaymentKey, partnerQuery, payments, refund } from './payment-requests.ts'
import type { LowLevelInput } from './request-checks.ts'

/** One side's builders, each returning the low-level input it would send. */
export interface SendableRequests {
  get(key: PaymentKey): LowLevelInput
  put(payment: PaymentInput): LowLevelInput
  update(key: PaymentKey): LowLevelInput
  query(partnerId: string): LowLevelInput
}

// Each side's request, aimed at the side's own table.
const withTable = <T>(input: LowLevelInput, table: string): T => ({ ...input, TableName: table }) as T

async function readPayment(
  client: DynamoDBClient,
  requests: SendableRequests,
  key: PaymentKey,
  table: string,
) {
  const got = await client.send(new GetItemCommand(withTable<GetItemCommandInput>(requests.get(key), table)))
  assert.ok(got.Item !== undefined, 'the payment just written is read back')
  return unmarshallItem(got.Item)
}

export async function checkAgainstDynamoDb(side: string, client: DynamoDBClient, requests: SendableRequests) {
  const testTable = await createTestTable(client, { prefix: `bench-${side}` })
  const table = testTable.name
  try {
    // Two settled payments of one partner, one of them too small for the query's filter, and one of
    // another partner that the query must not see.
    const [payment, other] = [payments[0]!, payments[4]!]
    const small = { ...payments[8]!, amount: partnerQuery.minimumAmount - 1 }
    const stranger = payments[1]!
    assert.equal(other.partnerId, payment.partnerId)
    assert.equal(small.partnerId, payment.partnerId)
    assert.notEqual(stranger.partnerId, payment.partnerId)
    for (const written of [payment, other, small, stranger]) {
      await client.send(new PutItemCommand(withTable<PutItemCommandInput>(requests.put(written), table)))
    }

    const stored = await readPayment(client, requests, payment, table)
    for (const [name, value] of Object.entries(payment))
      assert.deepEqual(stored[name], value, `${side}: ${name}`)

    await client.send(
      new UpdateItemCommand(withTable<UpdateItemCommandInput>(requests.update(payment), table)),
    )
    const refunded = await readPayment(client, requests, payment, table)
    assert.equal(refunded.status, refund.status, `${side}: status after refund`)
    assert.equal(refunded.amount, payment.amount + refund.amountDelta, `${side}: amount after refund`)
    assert.equal(refunded.cardLast4, undefined, `${side}: card digits removed`)
    assert.deepEqual(refunded.tags, [...payment.tags, ...refund.appendedTags], `${side}: tag appended`)
    assert.equal(refunded.currency, payment.currency, `${side}: existing currency kept by if_not_exists`)

    await assert.rejects(
      client.send(new UpdateItemCommand(withTable<UpdateItemCommandInput>(requests.update(payment), table))),
      { name: 'ConditionalCheckFailedException' },
      `${side}: a refunded payment cannot be refunded again`,
    )

    const page = await client.send(
      new QueryCommand(withTable<QueryCommandInput>(requests.query(payment.partnerId), table)),
    )
    const found = (page.Items ?? []).map((item) => unmarshallItem(item))
    assert.deepEqual(
      found.map((item) => item.id),
      [other.id],
      `${side}: only the partner's settled payments of at least ${partnerQuery.minimumAmount}`,
    )
    for (const name of partnerQuery.attributes)
      assert.ok(found[0]![name] !== undefined, `${side}: ${name} projected`)
    assert.equal(found[0]!.cardLast4, undefined, `${side}: projection leaves other attributes out`)
  } finally {
    await testTable.delete()
  }
}
