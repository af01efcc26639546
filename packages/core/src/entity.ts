// A model bound to a Db: the operations a handler calls. Every call goes through db.send (capacity,
// error mapping); every write can instead be queued into the request's unit of work.
import type { TransactWriteItem } from '@aws-sdk/client-dynamodb'
import type { Db } from './db.ts'
import { ValidationError } from './errors.ts'
import type { Condition, ConditionBuilder } from './expressions/condition.ts'
import type { AnyModel, IndexNamesOf, InputOf, ItemOf, KeyOf, PlainItemOf } from './model.ts'
import { type BatchGetOptions, batchGet } from './operations/batch-get.ts'
import {
  type BatchWriteOptions,
  type BatchWriteRequest,
  type BatchWriteResult,
  batchWrite,
} from './operations/batch-write.ts'
import { type DeleteOptions, deleteItem, deleteTransactItem } from './operations/delete.ts'
import { type GetOptions, getItem, getItemOrThrow } from './operations/get.ts'
import { type PutOptions, putItem, putTransactItem } from './operations/put.ts'
import { type Page, type QueryKey, type QueryOptions, query, queryCount } from './operations/query.ts'
import { type ScanOptions, scan } from './operations/scan.ts'
import { conditionCheckParams } from './operations/transact-write.ts'
import {
  type UpdateChanges,
  type UpdateOptions,
  updateItem,
  updateTransactItem,
} from './operations/update.ts'
import type { QueueOptions } from './unit-of-work.ts'

type Plain<M extends AnyModel> = keyof PlainItemOf<M> & string
type Projected<M extends AnyModel, P extends string> = [P] extends [never]
  ? ItemOf<M>
  : Pick<ItemOf<M>, P & keyof ItemOf<M>>
type Where<M extends AnyModel> = (c: ConditionBuilder<PlainItemOf<M>>) => Condition

/** Writes as TransactWriteItems, to pass to transactWrite() or a unit of work. */
export interface TransactItems<M extends AnyModel> {
  create(data: InputOf<M>, options?: Omit<PutOptions<M>, 'table'>): Promise<TransactWriteItem>
  put(data: InputOf<M>, options?: Omit<PutOptions<M>, 'table'>): Promise<TransactWriteItem>
  update(
    key: KeyOf<M>,
    changes: UpdateChanges<M>,
    options?: Omit<UpdateOptions<M>, 'table' | 'returnValues'>,
  ): Promise<TransactWriteItem>
  delete(key: KeyOf<M>, options?: Omit<DeleteOptions<M>, 'table'>): Promise<TransactWriteItem>
  conditionCheck(key: KeyOf<M>, where: Where<M>): Promise<TransactWriteItem>
}

/** A queued write's own options plus its unit-of-work label. */
type Queued<O> = O & QueueOptions

/**
 * Writes added to the db's unit of work instead of being sent (committed together by the client
 * middleware). `label` (in the write's options) names the write in a TransactionCancelledError's
 * reasons. The older form, the label as a last argument, still works; the two must agree when both given.
 */
export interface QueuedWrites<M extends AnyModel> {
  create(
    data: InputOf<M>,
    options?: Queued<Omit<PutOptions<M>, 'table'>>,
    /** @deprecated put `label` in `options`. */
    queueOptions?: QueueOptions,
  ): Promise<void>
  put(
    data: InputOf<M>,
    options?: Queued<Omit<PutOptions<M>, 'table'>>,
    /** @deprecated put `label` in `options`. */
    queueOptions?: QueueOptions,
  ): Promise<void>
  update(
    key: KeyOf<M>,
    changes: UpdateChanges<M>,
    options?: Queued<Omit<UpdateOptions<M>, 'table' | 'returnValues'>>,
    /** @deprecated put `label` in `options`. */
    queueOptions?: QueueOptions,
  ): Promise<void>
  delete(
    key: KeyOf<M>,
    options?: Queued<Omit<DeleteOptions<M>, 'table'>>,
    /** @deprecated put `label` in `options`. */
    queueOptions?: QueueOptions,
  ): Promise<void>
  conditionCheck(key: KeyOf<M>, where: Where<M>, options?: QueueOptions): Promise<void>
}

/** The label a queued write goes under: from its options or the older trailing argument, never two. */
function queueLabel(options: QueueOptions | undefined, trailing: unknown): string | undefined {
  if (trailing !== undefined && (typeof trailing !== 'object' || trailing === null)) {
    throw new ValidationError('Queue options must be an object ({ label })')
  }
  const labels = [options?.label, (trailing as QueueOptions | undefined)?.label].filter(
    (label) => label !== undefined,
  )
  for (const label of labels) {
    if (typeof label !== 'string') throw new ValidationError("A queued write's label must be a string")
  }
  if (labels.length === 2 && labels[0] !== labels[1]) {
    throw new ValidationError(`A queued write has two labels (${labels[0]}, ${labels[1]}); give one`)
  }
  return labels[0]
}

export class Entity<M extends AnyModel> {
  readonly db: Db
  readonly model: M
  readonly transactItem: TransactItems<M>
  readonly queue: QueuedWrites<M>

  constructor(db: Db, model: M) {
    this.db = db
    this.model = model
    this.transactItem = {
      create: async (data, options) => putTransactItem(db, model, data, 'create', options),
      put: async (data, options) => putTransactItem(db, model, data, 'put', options),
      update: async (key, changes, options) => updateTransactItem(db, model, key, changes, options),
      delete: async (key, options) => deleteTransactItem(db, model, key, options),
      conditionCheck: async (key, where) =>
        conditionCheckParams(model, key, where, { table: db.tableName(model.table) }),
    }
    const t = this.transactItem
    // The label is checked before the write is built: a bad one queues nothing.
    const add = async (
      options: QueueOptions | undefined,
      trailing: unknown,
      build: () => Promise<TransactWriteItem>,
    ) => {
      const label = queueLabel(options, trailing)
      db.unitOfWork.add(await build(), label === undefined ? undefined : { label })
    }
    this.queue = {
      create: (data, options, trailing) => add(options, trailing, () => t.create(data, options)),
      put: (data, options, trailing) => add(options, trailing, () => t.put(data, options)),
      update: (key, changes, options, trailing) =>
        add(options, trailing, () => t.update(key, changes, options)),
      delete: (key, options, trailing) => add(options, trailing, () => t.delete(key, options)),
      conditionCheck: (key, where, options) => add(options, undefined, () => t.conditionCheck(key, where)),
    }
  }

  /** Reads one item by key; undefined when absent. */
  get<P extends Plain<M> = never>(
    key: KeyOf<M>,
    options?: Omit<GetOptions<M, P>, 'table'>,
  ): Promise<Projected<M, P> | undefined> {
    return getItem(this.db, this.model, key, options) as Promise<Projected<M, P> | undefined>
  }

  /** Reads one item by key; NotFoundError (404) when absent. */
  getOrThrow<P extends Plain<M> = never>(
    key: KeyOf<M>,
    options?: Omit<GetOptions<M, P>, 'table'>,
  ): Promise<Projected<M, P>> {
    return getItemOrThrow(this.db, this.model, key, options) as Promise<Projected<M, P>>
  }

  /** Writes a new item; ConditionFailedError (with the existing item) if one exists. */
  create(data: InputOf<M>, options?: Omit<PutOptions<M>, 'table'>): Promise<ItemOf<M>> {
    return putItem(this.db, this.model, data, 'create', options)
  }

  /** Replaces an item (checking its version when the model is versioned). */
  put(data: InputOf<M>, options?: Omit<PutOptions<M>, 'table'>): Promise<ItemOf<M>> {
    return putItem(this.db, this.model, data, 'put', options)
  }

  /** Updates an existing item; returns it as updated (ALL_NEW) unless `returnValues` says otherwise. */
  update(
    key: KeyOf<M>,
    changes: UpdateChanges<M>,
    options?: Omit<UpdateOptions<M>, 'table'>,
  ): Promise<ItemOf<M>> {
    return updateItem(this.db, this.model, key, changes, options) as Promise<ItemOf<M>>
  }

  /** Deletes an item; returns what was deleted. */
  delete(key: KeyOf<M>, options?: Omit<DeleteOptions<M>, 'table'>): Promise<ItemOf<M> | undefined> {
    return deleteItem(this.db, this.model, key, options)
  }

  /** Queries a partition (of the table or of `options.index`). */
  query<const N extends IndexNamesOf<M> | undefined = undefined, P extends Plain<M> = never>(
    key: QueryKey<M, N>,
    options?: Omit<QueryOptions<M, N, P>, 'table'>,
  ): Promise<Page<Projected<M, P>>> {
    return query(this.db, this.model, key, options as never) as Promise<Page<Projected<M, P>>>
  }

  /** Counts the items a query matches, without reading them. */
  count<const N extends IndexNamesOf<M> | undefined = undefined>(
    key: QueryKey<M, N>,
    options?: Omit<QueryOptions<M, N, never>, 'table' | 'projection' | 'cursor' | 'limit' | 'pages'>,
  ): Promise<number> {
    return queryCount(this.db, this.model, key, options as never)
  }

  /** Reads the whole table (this entity's items): only when asked for by name. */
  scan<P extends Plain<M> = never>(
    options?: Omit<ScanOptions<M, P>, 'table'>,
  ): Promise<Page<Projected<M, P>>> {
    return scan(this.db, this.model, options) as Promise<Page<Projected<M, P>>>
  }

  /** Reads many items by key; aligned with `keys`. */
  batchGet(
    keys: readonly KeyOf<M>[],
    options?: Omit<BatchGetOptions<M>, 'table'>,
  ): Promise<(ItemOf<M> | undefined)[]> {
    return batchGet(this.db, this.model, keys, options)
  }

  /** Puts and deletes many items (no conditions); resolves with the writes and calls it took. */
  batchWrite(
    request: BatchWriteRequest<M>,
    options?: Omit<BatchWriteOptions, 'table'>,
  ): Promise<BatchWriteResult> {
    return batchWrite(this.db, this.model, request, options)
  }
}
