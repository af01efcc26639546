// BatchGetItem in chunks of 100 keys (DynamoDB's limit), a bounded number in flight, unprocessed keys
// retried with backoff and jitter, and an UnprocessedItemsError naming the keys still unread. Any other
// failure stops the read (no chunk starts after it, those in flight settle) with a BatchInterruptedError
// naming every key not read: the items already read are not returned, reading is safe to repeat.
import {
  BatchGetItemCommand,
  type BatchGetItemCommandInput,
  type KeysAndAttributes,
} from '@aws-sdk/client-dynamodb'
import type { Db } from '../db.ts'
import { BatchInterruptedError, UnprocessedItemsError } from '../errors.ts'
import { Placeholders } from '../expressions/placeholders.ts'
import { compileProjection } from '../expressions/projection.ts'
import type { AttributeMap } from '../marshall.ts'
import {
  type AnyModel,
  assertPlainPath,
  type ItemOf,
  isExpired,
  type KeyOf,
  keyAttributes,
  type PlainItemOf,
} from '../model.ts'
import { BatchTally } from './batch-progress.ts'
import { sendInRounds } from './batch-rounds.ts'
import { checkRetryOptions, chunk, type RetryOptions } from './retry.ts'
import { readItem, withoutUnaskedTtl } from './write-support.ts'

export const MAX_BATCH_GET_KEYS = 100

/** Where a batch read stands, after each call. */
export interface BatchGetProgress {
  /** Distinct keys DynamoDB has answered so far (found or not). */
  read: number
  /** Distinct keys in the whole batch. */
  total: number
  /** Calls so far that re-sent unprocessed or throttled keys. */
  retries: number
  /** Calls so far that DynamoDB throttled. */
  throttled: number
}

export interface BatchGetOptions<M extends AnyModel> extends RetryOptions {
  consistent?: boolean
  projection?: readonly (keyof PlainItemOf<M> & string)[]
  table?: string
  includeExpired?: boolean
  /** Called after every BatchGetItem call (a failing callback is logged, never stops the batch). */
  onProgress?: (progress: BatchGetProgress) => void
}

const keyId = (key: AttributeMap): string =>
  JSON.stringify(Object.entries(key).sort(([a], [b]) => (a < b ? -1 : 1)))

/** The BatchGetItem inputs (one per chunk of 100 distinct keys): pure and synchronous. */
export function batchGetParams<M extends AnyModel>(
  model: M,
  keys: readonly KeyOf<M>[],
  options: BatchGetOptions<M> = {},
): BatchGetItemCommandInput[] {
  const table = options.table ?? model.table
  const unique = new Map<string, AttributeMap>()
  for (const key of keys) {
    const map = keyAttributes(model, key)
    unique.set(keyId(map), map)
  }
  const template: Omit<KeysAndAttributes, 'Keys'> = {}
  if (options.consistent) template.ConsistentRead = true
  if (options.projection !== undefined) {
    const placeholders = new Placeholders()
    for (const path of options.projection) assertPlainPath(model, path, 'projections')
    // Keys must come back to match items to the keys asked for.
    const paths = [
      ...options.projection,
      model.pkAttribute,
      model.skAttribute,
      ...(model.ttl ? [model.ttl] : []),
    ]
    template.ProjectionExpression = compileProjection(
      model.sk ? paths : paths.filter((p) => p !== model.skAttribute),
      placeholders,
    )
    placeholders.attach(template)
  }
  return chunk([...unique.values()], MAX_BATCH_GET_KEYS).map((Keys) => ({
    RequestItems: { [table]: { ...template, Keys } },
  }))
}

/** Reads many items; the result is aligned with `keys` (undefined where an item does not exist). */
export async function batchGet<M extends AnyModel>(
  db: Db,
  model: M,
  keys: readonly KeyOf<M>[],
  options: Omit<BatchGetOptions<M>, 'table'> = {},
): Promise<(ItemOf<M> | undefined)[]> {
  checkRetryOptions(options)
  const table = db.tableName(model.table)
  const requests = batchGetParams(model, keys, { ...options, table })
  const total = requests.reduce((sum, request) => sum + (request.RequestItems![table]?.Keys?.length ?? 0), 0)
  let read = 0
  const tally = new BatchTally<BatchGetProgress>(options.onProgress, (stats) => ({
    read,
    total,
    retries: stats.retries,
    throttled: stats.throttled,
  }))
  const found = new Map<string, AttributeMap>()
  const chunks = requests.map((request) => request.RequestItems![table]!.Keys ?? [])
  const rounds = await sendInRounds(chunks, options, tally, async (pending, index) => {
    const output = await db.send(
      new BatchGetItemCommand({
        RequestItems: { [table]: { ...requests[index]!.RequestItems![table], Keys: pending } },
      }),
    )
    for (const item of output.Responses?.[table] ?? []) found.set(keyId(pick(item, model)), item)
    const unprocessed = output.UnprocessedKeys?.[table]?.Keys ?? []
    read += pending.length - unprocessed.length
    return unprocessed
  })
  const rest = rounds.unprocessed
  if (rounds.interruption !== undefined) {
    throw new BatchInterruptedError(
      `Batch read stopped after ${read} of ${total} keys; ${rest.length} not read`,
      rest,
      {
        cause: rounds.interruption.error,
        details: { table, unprocessedKeys: rest.length, read, ...tally.stats },
      },
    )
  }
  if (rest.length > 0) {
    throw new UnprocessedItemsError(
      `${rest.length} keys were still unprocessed after ${options.maxAttempts ?? 8} attempts`,
      rest,
      { details: { table, unprocessedKeys: rest.length, read, ...tally.stats } },
    )
  }
  const now = Math.floor(Date.now() / 1000)
  return Promise.all(
    keys.map(async (key) => {
      const stored = found.get(keyId(keyAttributes(model, key)))
      if (stored === undefined || (!options.includeExpired && isExpired(model, stored, now))) return undefined
      return readItem(db, model, table, withoutUnaskedTtl(model, stored, options.projection))
    }),
  )
}

function pick(item: AttributeMap, model: AnyModel): AttributeMap {
  const key: AttributeMap = { [model.pkAttribute]: item[model.pkAttribute]! }
  if (model.sk !== undefined) key[model.skAttribute] = item[model.skAttribute]!
  return key
}
