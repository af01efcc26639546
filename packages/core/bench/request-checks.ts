// Each side's request is checked before it is timed, so a builder that drops the key, the condition
// or an action cannot look fast. The checks read the low-level input the SDK would send: placeholders
// are resolved back to names and values and the resolved expressions are matched.
import assert from 'node:assert/strict'
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { unmarshallValue } from '@dynamorm/core'
import {
  expectedKey,
  type PaymentInput,
  type PaymentKey,
  partnerQuery,
  refund,
  table,
} from './payment-requests.ts'

export type LowLevelInput = Record<string, unknown>

interface Expressions {
  names: Record<string, string>
  values: Record<string, AttributeValue>
  used: Set<string>
}

function expressionsOf(input: LowLevelInput): Expressions {
  return {
    names: (input.ExpressionAttributeNames ?? {}) as Record<string, string>,
    values: (input.ExpressionAttributeValues ?? {}) as Record<string, AttributeValue>,
    used: new Set(),
  }
}

/** The expression with every `#name` and `:value` placeholder replaced by what it stands for. */
function resolve(side: string, expression: unknown, expressions: Expressions): string {
  assert.equal(typeof expression, 'string', `${side}: expression missing`)
  return (expression as string).replace(/[#:][A-Za-z0-9_]+/g, (token) => {
    expressions.used.add(token)
    if (token.startsWith('#')) {
      const name = expressions.names[token]
      assert.ok(name !== undefined, `${side}: ${token} is not in ExpressionAttributeNames`)
      return name
    }
    const value = expressions.values[token]
    assert.ok(value !== undefined, `${side}: ${token} is not in ExpressionAttributeValues`)
    return JSON.stringify(unmarshallValue(value))
  })
}

// DynamoDB rejects a request that defines a placeholder no expression uses.
function assertAllPlaceholdersUsed(side: string, expressions: Expressions): void {
  for (const token of [...Object.keys(expressions.names), ...Object.keys(expressions.values)]) {
    assert.ok(expressions.used.has(token), `${side}: placeholder ${token} is defined but unused`)
  }
}

function assertKey(side: string, input: LowLevelInput, key: PaymentKey): void {
  assert.equal(input.TableName, table, `${side}: table name`)
  const { pk, sk } = expectedKey(key)
  assert.deepEqual(input.Key, { pk: { S: pk }, sk: { S: sk } }, `${side}: key`)
}

function assertMatches(side: string, text: string, patterns: readonly RegExp[]): void {
  for (const pattern of patterns) assert.match(text, pattern, `${side}: ${text}`)
}

export function checkGet(side: string, input: LowLevelInput, key: PaymentKey): void {
  assertKey(side, input, key)
  assert.equal(input.ProjectionExpression, undefined, `${side}: a plain get reads the whole item`)
}

export function checkPut(side: string, input: LowLevelInput, payment: PaymentInput): void {
  assert.equal(input.TableName, table, `${side}: table name`)
  const item = input.Item as Record<string, AttributeValue>
  const { pk, sk } = expectedKey(payment)
  assert.deepEqual(item.pk, { S: pk }, `${side}: pk`)
  assert.deepEqual(item.sk, { S: sk }, `${side}: sk`)
  for (const [name, value] of Object.entries(payment)) {
    assert.ok(item[name] !== undefined, `${side}: ${name} missing from the item`)
    assert.deepEqual(unmarshallValue(item[name]), value, `${side}: ${name}`)
  }
  for (const stamp of ['createdAt', 'updatedAt']) {
    assert.match(item[stamp]?.S ?? '', /^\d{4}-\d\d-\d\dT/, `${side}: ${stamp} is an ISO-8601 time`)
  }
}

export function checkUpdate(side: string, input: LowLevelInput, key: PaymentKey): void {
  assertKey(side, input, key)
  const expressions = expressionsOf(input)
  const update = resolve(side, input.UpdateExpression, expressions)
  assertMatches(side, update, [
    new RegExp(`\\bstatus = "${refund.status}"`),
    new RegExp(`ADD (.*, )?amount ${refund.amountDelta}\\b`),
    new RegExp(`REMOVE (.*, )?${refund.removed}\\b`),
    /\btags = list_append\((if_not_exists\(tags, \[\]\)|tags), \["refund"\]\)/,
    new RegExp(`\\bcurrency = if_not_exists\\(currency, "${refund.defaultCurrency}"\\)`),
    /\bupdatedAt = "\d{4}-/,
  ])
  const condition = resolve(side, input.ConditionExpression, expressions)
  assertMatches(side, condition, [
    new RegExp(`\\bstatus = "${refund.requiredStatus}"`),
    new RegExp(`\\bamount >= ${refund.minimumAmount}\\b`),
    / AND /i,
  ])
  assertAllPlaceholdersUsed(side, expressions)
}

export function checkQuery(side: string, input: LowLevelInput, partnerId: string): void {
  assert.equal(input.TableName, table, `${side}: table name`)
  assert.equal(input.IndexName, undefined, `${side}: queries the table itself`)
  const expressions = expressionsOf(input)
  const keyCondition = resolve(side, input.KeyConditionExpression, expressions)
  assertMatches(side, keyCondition, [
    new RegExp(`\\bpk = "PARTNER#${partnerId}"`),
    /begins_with\(sk, "PAYMENT#"\)/,
  ])
  const filter = resolve(side, input.FilterExpression, expressions)
  assertMatches(side, filter, [
    new RegExp(`\\bstatus = "${partnerQuery.status}"`),
    new RegExp(`\\bamount >= ${partnerQuery.minimumAmount}\\b`),
  ])
  const projected = resolve(side, input.ProjectionExpression, expressions).split(/\s*,\s*/)
  for (const name of partnerQuery.attributes)
    assert.ok(projected.includes(name), `${side}: ${name} not projected`)
  assertAllPlaceholdersUsed(side, expressions)
}
