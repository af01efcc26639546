// BatchWriteItem in chunks of 25 (DynamoDB's limit), bounded parallelism, unprocessed items retried
// with backoff and jitter, and an UnprocessedItemsError listing what is still unwritten. Any other
// failure stops the batch: no chunk starts after it, those in flight settle, and a BatchInterruptedError
// lists every write not confirmed (a caller resends those, neither losing nor repeating one). Batch
// writes carry no conditions: use create/update or a transaction where a check matters. A versioned
// model's put checks its version (or only creates), which a batch cannot: its batch puts are refused
// unless the caller says they may overwrite.
import {
  BatchWriteItemCommand,
  type BatchWriteItemCommandInput,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb'
import type { Db } from '../db.ts'
import { BatchInterruptedError, UnprocessedItemsError, ValidationError } from '../errors.ts'
import { assertItemSize } from '../item-size.ts'
import { type AnyModel, type InputOf, type KeyOf, keyAttributes, toStoredItem } from '../model.ts'
import { type BatchCalls, BatchTally } from './batch-progress.ts'
import { sendInRounds } from './batch-rounds.ts'
import { checkRetryOptions, chunk, type RetryOptions } from './retry.ts'
import { transformForWrite } from './write-support.ts'

export const MAX_BATCH_WRITE_ITEMS = 25

export interface BatchWriteRequest<M extends AnyModel> {
  put?: readonly InputOf<M>[]
  delete?: readonly KeyOf<M>[]
}

/** Where a batch write stands, after each call. */
export interface BatchWriteProgress {
  /** Writes DynamoDB has processed so far. */
  written: number
  /** Writes in the whole batch. */
  total: number
  /** Calls so far that re-sent unprocessed or throttled writes. */
  retries: number
  /** Calls so far that DynamoDB throttled. */
  throttled: number
}

/** What a batch write did: every write landed; `calls` BatchWriteItem calls, `retries` of them retries. */
export interface BatchWriteResult extends BatchCalls {
  written: number
}

export interface BatchWriteOptions extends RetryOptions {
  table?: string
  now?: Date
  /** Called after every BatchWriteItem call (a failing callback is logged, never stops the batch). */
  onProgress?: (progress: BatchWriteProgress) => void
  /**
   * Lets a versioned model's puts replace whatever is stored under their keys, whatever its version
   * (BatchWriteItem cannot check one, nor create only). Without it they are a ValidationError before
   * anything is sent (default false; models without a version overwrite, as BatchWriteItem does).
   */
  overwrite?: boolean
}

function requestsFor<M extends AnyModel>(
  model: M,
  request: BatchWriteRequest<M>,
  { now = new Date(), overwrite = false }: Pick<BatchWriteOptions, 'now' | 'overwrite'>,
): WriteRequest[] {
  if (model.version !== undefined && (request.put?.length ?? 0) > 0 && overwrite !== true) {
    // A stale writer's version check would then pass against the overwritten item: a lost update.
    throw new ValidationError(
      `${model.name} is versioned: a batch put cannot check its ${model.version} or create only. Use create(), put() or a transaction, or batchWrite(..., { overwrite: true }) to replace what is stored`,
    )
  }
  const seen = new Set<string>()
  const requests: WriteRequest[] = []
  const add = (write: WriteRequest, key: Record<string, unknown>) => {
    const id = JSON.stringify(key)
    // DynamoDB rejects a whole batch that names one key twice; say which.
    if (seen.has(id))
      throw new ValidationError(`${model.name}: a batch writes the same key twice`, { details: { key } })
    seen.add(id)
    requests.push(write)
  }
  for (const input of request.put ?? []) {
    const item = toStoredItem(model, input as Record<string, unknown>, { now: now.toISOString() })
    assertItemSize(item)
    add({ PutRequest: { Item: item } }, { p: item[model.pkAttribute], s: item[model.skAttribute] })
  }
  for (const key of request.delete ?? []) {
    const Key = keyAttributes(model, key)
    add({ DeleteRequest: { Key } }, { p: Key[model.pkAttribute], s: Key[model.skAttribute] })
  }
  return requests
}

/** The BatchWriteItem inputs (one per 25 writes): pure and synchronous. */
export function batchWriteParams<M extends AnyModel>(
  model: M,
  request: BatchWriteRequest<M>,
  options: BatchWriteOptions = {},
): BatchWriteItemCommandInput[] {
  const table = options.table ?? model.table
  return chunk(requestsFor(model, request, options), MAX_BATCH_WRITE_ITEMS).map((writes) => ({
    RequestItems: { [table]: writes },
  }))
}

/**
 * Writes many items; resolves with the call statistics when every write landed, else
 * UnprocessedItemsError with the rest (and the statistics in its details).
 */
export async function batchWrite<M extends AnyModel>(
  db: Db,
  model: M,
  request: BatchWriteRequest<M>,
  options: Omit<BatchWriteOptions, 'table'> = {},
): Promise<BatchWriteResult> {
  checkRetryOptions(options)
  const table = db.tableName(model.table)
  const writes = requestsFor(model, request, options)
  let written = 0
  const tally = new BatchTally<BatchWriteProgress>(options.onProgress, (stats) => ({
    written,
    total: writes.length,
    retries: stats.retries,
    throttled: stats.throttled,
  }))
  for (const write of writes) {
    if (write.PutRequest?.Item !== undefined) {
      write.PutRequest.Item = await transformForWrite(db, model, table, write.PutRequest.Item)
    }
  }
  const rounds = await sendInRounds(chunk(writes, MAX_BATCH_WRITE_ITEMS), options, tally, async (pending) => {
    const output: { UnprocessedItems?: Record<string, WriteRequest[]> } = await db.send(
      new BatchWriteItemCommand({ RequestItems: { [table]: pending } }),
    )
    const unprocessed = output.UnprocessedItems?.[table] ?? []
    written += pending.length - unprocessed.length
    return unprocessed
  })
  const rest = rounds.unprocessed
  if (rounds.interruption !== undefined) {
    // Counts only in the message: the writes hold item values.
    throw new BatchInterruptedError(
      `Batch write stopped after ${written} of ${writes.length} writes; ${rest.length} not confirmed written`,
      rest,
      {
        cause: rounds.interruption.error,
        details: { table, unprocessedItems: rest.length, written, ...tally.stats },
      },
    )
  }
  if (rest.length > 0) {
    throw new UnprocessedItemsError(
      `${rest.length} writes were still unprocessed after ${options.maxAttempts ?? 8} attempts`,
      rest,
      { details: { table, unprocessedItems: rest.length, written, ...tally.stats } },
    )
  }
  return { written, ...tally.stats }
}
