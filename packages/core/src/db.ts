// A Db is the query builder bound to one DynamoDB client and one way of naming tables, plus the
// request's capacity meter and unit of work. Every call goes through `send`, so capacity accounting
// and error mapping happen in one place.
import type { DynamoDBClient, TransactWriteItem } from '@aws-sdk/client-dynamodb'
import { toDynamormError } from './aws-error-mapping.ts'
import { type CapacityKind, CapacityMeter } from './capacity.ts'
import type { Entity } from './entity.ts'
import { isDynamormError, RequestAbortedError, ValidationError } from './errors.ts'
import type { ItemTransformer } from './item-transformer.ts'
import type { AnyModel } from './model.ts'
import { refusedWrite } from './refused-write.ts'
import { resolveTableName, type TableNameResolver } from './table-names.ts'
import type { ConflictRetryOptions } from './transaction-conflict-retry.ts'
import { type AddOptions, type CommitListener, UnitOfWork } from './unit-of-work.ts'

export interface DbOptions {
  client: DynamoDBClient
  /** Prefix or function from logical to physical table names (default: names used as given). */
  tableName?: TableNameResolver
  /** Secret that signs query cursors (HMAC-SHA-256); without it cursors are opaque but unsigned. */
  cursorSecret?: string | Uint8Array
  /** Codecs applied to items of models with encrypted attributes (see @dynamorm/encryption). */
  transformer?: ItemTransformer
  /**
   * The ReturnConsumedCapacity asked of DynamoDB on every call (default 'INDEXES': per table and index,
   * what cost attribution and audit entries use). 'NONE' leaves capacity out: the meter then counts calls
   * and failures only, and every unit it reports is 0.
   */
  consumedCapacity?: ConsumedCapacityMode
}

export type ConsumedCapacityMode = 'INDEXES' | 'TOTAL' | 'NONE'

interface RequestScope {
  meter: CapacityMeter
  unitOfWork: UnitOfWork
}

/** Per-call options of `Db.send`, passed to the SDK client's `send`. */
export interface SendOptions {
  /**
   * Aborts the call (e.g. at the request's deadline): it rejects with RequestAbortedError (503), the
   * signal's reason named in `details.reason` when it is an Error (AbortSignal.timeout: TimeoutError).
   */
  abortSignal?: AbortSignal
}

/** The part of the unit of work a Db exposes: writes added through it belong to its client. */
export interface DbUnitOfWork {
  add(item: TransactWriteItem, options?: AddOptions): void
  readonly size: number
  /** Sends the queued writes as one TransactWriteItems (see UnitOfWork.commit for `options`). */
  commit(clientRequestToken?: string, options?: ConflictRetryOptions): Promise<number>
  discard(): void
  /** Calls `listener` once after the next commit attempt or discard (see UnitOfWork.onSettled). */
  onSettled(listener: CommitListener): void
}

/** Commands whose input takes ReturnConsumedCapacity, and whether they read or write. */
const CAPACITY_KIND: Record<string, CapacityKind> = {
  GetItemCommand: 'read',
  QueryCommand: 'read',
  ScanCommand: 'read',
  BatchGetItemCommand: 'read',
  TransactGetItemsCommand: 'read',
  PutItemCommand: 'write',
  UpdateItemCommand: 'write',
  DeleteItemCommand: 'write',
  BatchWriteItemCommand: 'write',
  TransactWriteItemsCommand: 'write',
}

// Structural view of an SDK command: enough to send it and to infer its output type.
interface DynamoCommand<Output> {
  input: object
  resolveMiddleware(...args: never[]): (args: never) => Promise<{ output: Output }>
}

type CapacityMiddleware = (
  next: (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown> }>,
  context: { commandName?: string },
) => (args: { input: Record<string, unknown> }) => Promise<{ output: Record<string, unknown> }>

interface MiddlewareStackOwner {
  middlewareStack: { add(middleware: CapacityMiddleware, options: { step: 'initialize' }): void }
}

// The Db that sent each command input. Keyed by the input object, which the SDK hands to every
// middleware as is, so the client's one middleware knows whose meter a call belongs to.
const senders = new WeakMap<object, Db>()
const instrumentedStacks = new WeakSet<object>()

// One middleware per client, added on its first Db.send: a middleware added to every command would
// make the SDK merge one more stack entry into each call. It reads the capacity there because only
// the SDK knows the command's name reliably (class names do not survive minification), and leaves
// calls not sent through a Db (no entry in `senders`) alone.
function instrument(client: MiddlewareStackOwner): void {
  if (instrumentedStacks.has(client.middlewareStack)) return
  instrumentedStacks.add(client.middlewareStack)
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const sender = senders.get(args.input)
      if (sender === undefined) return next(args)
      const meter = sender.meter
      const kind = CAPACITY_KIND[context.commandName ?? '']
      const mode = sender.options.consumedCapacity ?? 'INDEXES'
      if (kind !== undefined && mode !== 'NONE') args.input.ReturnConsumedCapacity ??= mode
      // Every call counts, failed ones too: a refused conditional write is billed all the same.
      let result: { output: Record<string, unknown> }
      try {
        result = await next(args)
      } catch (error) {
        meter.recordFailure(refusedWrite(context.commandName, args.input, error))
        throw error
      }
      meter.record(kind === undefined ? undefined : (result.output.ConsumedCapacity as never), kind ?? 'read')
      return result
    },
    { step: 'initialize' },
  )
}

export class Db {
  readonly client: DynamoDBClient
  readonly options: Readonly<DbOptions>
  readonly #scope: RequestScope
  readonly unitOfWork: DbUnitOfWork
  readonly #entities = new WeakMap<AnyModel, object>()

  constructor(options: DbOptions, scope?: RequestScope) {
    this.client = options.client
    this.options = options
    this.#scope = scope ?? { meter: new CapacityMeter(), unitOfWork: new UnitOfWork() }
    const shared = this.#scope.unitOfWork
    this.unitOfWork = {
      add: (item, queueOptions) => shared.add(this, item, queueOptions),
      get size() {
        return shared.size
      },
      commit: (token, commitOptions) => shared.commit(token, commitOptions),
      discard: () => shared.discard(),
      onSettled: (listener) => shared.onSettled(listener),
    }
  }

  /** The request's capacity meter, shared by every Db scoped from the same request. */
  get meter(): CapacityMeter {
    return this.#scope.meter
  }

  /** The model's operations, bound to this Db (its client, table names, meter and unit of work). */
  model<M extends AnyModel>(model: M): Entity<M> {
    let entity = this.#entities.get(model) as Entity<M> | undefined
    if (entity === undefined) {
      entity = model['~entity'](this) as Entity<M>
      this.#entities.set(model, entity)
    }
    return entity
  }

  /** The physical name of a logical table. */
  tableName(logicalName: string): string {
    return resolveTableName(this.options.tableName, logicalName)
  }

  /**
   * Sends a DynamoDB command: asks for consumed capacity (INDEXES) when the command supports it,
   * records it in the request's meter, and maps service errors to DynamORM's typed errors. `options`
   * go to the SDK client's `send` (an abort signal).
   */
  async send<Output>(command: DynamoCommand<Output>, options?: SendOptions): Promise<Output> {
    const abortSignal = options?.abortSignal
    if (abortSignal !== undefined && !(abortSignal instanceof AbortSignal)) {
      throw new ValidationError('send: abortSignal must be an AbortSignal')
    }
    // Aborted before it was sent: nothing reached DynamoDB, so nothing is counted or could have landed.
    if (abortSignal?.aborted) {
      throw new RequestAbortedError('The DynamoDB call was aborted by its caller before it was sent', {
        cause: abortSignal.reason,
        details: abortSignal.reason instanceof Error ? { reason: abortSignal.reason.name } : {},
      })
    }
    instrument(this.client as unknown as MiddlewareStackOwner)
    senders.set(command.input, this)
    try {
      return (await (abortSignal === undefined
        ? this.client.send(command as never)
        : this.client.send(command as never, { abortSignal }))) as Output
    } catch (error) {
      const mapped = toDynamormError(error, command.input)
      if (isDynamormError(mapped, 'RequestAbortedError') && abortSignal?.reason instanceof Error) {
        mapped.details.reason = abortSignal.reason.name
      }
      throw mapped
    }
  }

  /** A Db for one request: same client and table names, a fresh meter and an empty unit of work. */
  forRequest(): Db {
    return new Db(this.options)
  }

  /**
   * A Db for another client or table names (a partner's account) that shares this request's meter
   * and unit of work.
   */
  scoped(options: Partial<DbOptions>): Db {
    return new Db({ ...this.options, ...options }, this.#scope)
  }
}

export function createDb(options: DbOptions): Db {
  return new Db(options)
}
