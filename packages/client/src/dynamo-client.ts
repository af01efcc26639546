// dynamoClient(): the first middleware of every handler. The container's warm client is made once,
// when the factory runs (module init); each request gets a Db of its own (fresh capacity meter and
// unit of work) bound to that client and to the Lambda's deadline, and its unit of work is committed
// as one TransactWriteItems after everything else has run.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import {
  type ConflictRetryOptions,
  type ConsumedCapacityMode,
  conflictRetryPlan,
  createDb,
  type Db,
  definedOptions,
  type ItemTransformer,
  type TableNameResolver,
} from '@dynamorm/core'
import type { MiddlewareObj, Request } from '@middy/core'
import type { Context } from 'aws-lambda'
import { commitOutcomeUnknownError, deadlineExceededError, leftCommitUnknown } from './client-error.ts'
import { type WarmupLogger, type WarmupPolicy, warmsUp, warmUpConnection } from './connection-warmup.ts'
import { deadlineBoundClient, deadlineOf, requestDeadline } from './request-deadline.ts'
import { createWarmDynamoClient, type WarmDynamoClientOptions } from './warm-dynamo-client.ts'

export interface DynamoClientOptions extends WarmDynamoClientOptions {
  /** Bring your own client; the connection and retry options above are then not applied. */
  client?: DynamoDBClient
  /** Prefix or function from logical to physical table names (default: names used as given). */
  tableName?: TableNameResolver
  /** Secret that signs query cursors (HMAC-SHA-256). */
  cursorSecret?: string | Uint8Array
  /** Item codec for encrypted attributes (see @dynamorm/encryption). */
  transformer?: ItemTransformer
  /**
   * Consumed capacity asked of DynamoDB on every call (default 'INDEXES', what cost per request and the
   * audit trail use). 'NONE' saves DynamoDB that work when nothing reads the meter; auditTrail() refuses it.
   */
  consumedCapacity?: ConsumedCapacityMode
  /**
   * How the unit of work is committed: `{ conflictRetries, baseDelayMs }` sends it again, with the same
   * ClientRequestToken (the request id), when DynamoDB cancelled it only for a TransactionConflict
   * (default: not retried; the request then fails with TransactionCancelledError, 409).
   */
  commit?: ConflictRetryOptions
  /**
   * Open the connection when the factory runs (one DescribeEndpoints call), so the first request skips
   * the handshake and the SDK's first-call setup: `true`, `false`, or (default) `'provisioned-concurrency'`:
   * only where Lambda initialises ahead of traffic. On an on-demand cold start the request is already
   * waiting, and a warm-up would add its own round trip to it.
   */
  warmup?: WarmupPolicy
  /**
   * Milliseconds kept back from the Lambda's remaining time: no DynamoDB call of the request starts,
   * or keeps running, within this margin of the deadline (default 500).
   */
  deadlineMarginMs?: number
  /** The unit of work is only committed when at least this much time is left after the margin (default 250). */
  minCommitTimeMs?: number
  /** Where the one warm-up failure line goes (default console). */
  logger?: WarmupLogger
}

/** What `dynamoClient()` adds to the Lambda context. */
export interface DynamoClientContext {
  /** The request's Db: the container's client, this request's capacity meter and unit of work. */
  db: Db
}

export const dynamoClientDefaults = {
  warmup: 'provisioned-concurrency' as WarmupPolicy,
  deadlineMarginMs: 500,
  minCommitTimeMs: 250,
  logger: console as WarmupLogger,
} satisfies DynamoClientOptions

type DynamoClientRequest = Request<unknown, unknown, Error, Context & DynamoClientContext>

/** Middy middleware injecting `context.db` and committing the request's unit of work. */
export function dynamoClient(
  options: DynamoClientOptions = {},
): MiddlewareObj<unknown, any, Error, Context & DynamoClientContext> {
  const settings = { ...dynamoClientDefaults, ...definedOptions(options) }
  // Checked here, at init, rather than at every request's commit.
  if (settings.commit !== undefined) conflictRetryPlan(settings.commit, true)
  const client = settings.client ?? createWarmDynamoClient(settings)
  const warmDb = createDb({
    client,
    tableName: settings.tableName,
    cursorSecret: settings.cursorSecret,
    transformer: settings.transformer,
    consumedCapacity: settings.consumedCapacity,
  })
  let warming: Promise<void> | undefined = warmsUp(settings.warmup)
    ? warmUpConnection(client, settings.logger).finally(() => {
        warming = undefined
      })
    : undefined

  const dynamoClientBefore = (request: DynamoClientRequest): Promise<void> | undefined => {
    const context = request.context
    const deadline = requestDeadline(context, settings.deadlineMarginMs)
    context.db =
      deadline === undefined
        ? warmDb.forRequest()
        : createDb({ ...warmDb.options, client: deadlineBoundClient(client, deadline) })
    // The first request joins the warm-up's handshake instead of opening a second connection.
    return warming
  }

  const dynamoClientAfter = async (request: DynamoClientRequest): Promise<void> => {
    const { db, awsRequestId } = request.context
    if (db.unitOfWork.size > 0) {
      // The deadline the request's calls run under: a clock that broke since then reads as no time left.
      const remainingMs = deadlineOf(db)?.()
      if (remainingMs !== undefined && remainingMs < settings.minCommitTimeMs) {
        db.unitOfWork.discard()
        throw deadlineExceededError(remainingMs, settings.minCommitTimeMs, 'Unit of work not committed')
      }
    }
    // Also when nothing is queued (core sends nothing then): the commit settles the unit of work, so
    // onSettled listeners (the audit trail's log line) always hear how the request ended.
    // The request id as ClientRequestToken: a retried commit of the same invocation is not applied twice.
    const writes = db.unitOfWork.size
    try {
      await db.unitOfWork.commit(awsRequestId, settings.commit)
    } catch (error) {
      throw leftCommitUnknown(error) ? commitOutcomeUnknownError(writes, error) : error
    }
  }

  const dynamoClientOnError = (request: DynamoClientRequest): void => {
    // Nothing queued by a failed request is sent; before may not have run if an earlier middleware threw.
    request.context.db?.unitOfWork.discard()
  }

  return {
    name: 'dynamoClient',
    before: dynamoClientBefore,
    after: dynamoClientAfter,
    onError: dynamoClientOnError,
  } as MiddlewareObj<unknown, any, Error, Context & DynamoClientContext>
}
