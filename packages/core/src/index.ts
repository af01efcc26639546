export type {
  AnyAttribute,
  Attribute,
  AttributeKind,
  DateFormat,
  ObjectOf,
  Validator,
  ValueOf,
} from './attributes.ts'
export {
  bigint,
  binary,
  boolean,
  date,
  decimal,
  enumeration,
  list,
  map,
  number,
  numberSet,
  string,
  stringSet,
} from './attributes.ts'
export { toDynamormError } from './aws-error-mapping.ts'
export type { JsonValue } from './canonical-json.ts'
export { canonicalJson } from './canonical-json.ts'
export type { CapacityKind, CapacityTotals, CapacityUnits, MeterTotals, TableCapacity } from './capacity.ts'
export { CapacityMeter } from './capacity.ts'
export type {
  CollectionAttributeNames,
  CollectionKey,
  CollectionMembers,
  CollectionPage,
  CollectionQueryOptions,
  ItemCollection,
} from './collection.ts'
export { collectionQueryParams, itemCollection } from './collection.ts'
export type { CapacityMode, CostEstimate, CostOptions, PriceTable, RegionPrices } from './cost.ts'
export { defaultPriceTable, estimateCost } from './cost.ts'
export type { CursorScope } from './cursor.ts'
export { decodeCursor, encodeCursor } from './cursor.ts'
export type { ConsumedCapacityMode, DbOptions, DbUnitOfWork, SendOptions } from './db.ts'
export { createDb, Db } from './db.ts'
export { defineModel } from './define-model.ts'
export { definedOptions } from './defined-options.ts'
export type { QueuedWrites, TransactItems } from './entity.ts'
export { Entity } from './entity.ts'
export * from './errors.ts'
export type {
  Comparator,
  Condition,
  ConditionBuilder,
  ConditionPath,
  DynamoType,
  ValueEncoder,
} from './expressions/condition.ts'
export { allOf, compileCondition, conditions } from './expressions/condition.ts'
export type { AttributePath } from './expressions/placeholders.ts'
export { Placeholders } from './expressions/placeholders.ts'
export { compileProjection } from './expressions/projection.ts'
export type { UpdateAction } from './expressions/update.ts'
export { compileUpdate } from './expressions/update.ts'
export type { CapacityEstimate } from './item-size.ts'
export {
  assertItemSize,
  estimateCapacity,
  itemSize,
  MAX_ITEM_BYTES,
  MAX_PARTITION_KEY_BYTES,
  MAX_SORT_KEY_BYTES,
} from './item-size.ts'
export type { ItemTransformContext, ItemTransformer } from './item-transformer.ts'
export type { KeyTemplate, TemplateVariables } from './key-template.ts'
export { parseKeyTemplate, renderKey, renderKeyPrefix } from './key-template.ts'
export { LruCache, type LruCacheOptions } from './lru-cache.ts'
export type { AttributeMap, Item } from './marshall.ts'
export { marshallItem, marshallValue, unmarshallItem, unmarshallValue } from './marshall.ts'
export type {
  AnyModel,
  Attributes,
  ExpectedVersionOf,
  GlobalIndexDefinition,
  IndexDefinition,
  IndexNamesOf,
  InputOf,
  ItemOf,
  KeyDefinition,
  KeyOf,
  LocalIndexDefinition,
  Model,
  ModelDefinition,
  PlainItemOf,
} from './model.ts'
export { fromStoredItem, keyAttributes, toStoredItem } from './model.ts'
export type { BatchGetOptions, BatchGetProgress } from './operations/batch-get.ts'
export { batchGet, batchGetParams, MAX_BATCH_GET_KEYS } from './operations/batch-get.ts'
export type { BatchCalls } from './operations/batch-progress.ts'
export type {
  BatchWriteOptions,
  BatchWriteProgress,
  BatchWriteRequest,
  BatchWriteResult,
} from './operations/batch-write.ts'
export { batchWrite, batchWriteParams, MAX_BATCH_WRITE_ITEMS } from './operations/batch-write.ts'
export type { DeleteOptions } from './operations/delete.ts'
export { deleteItem, deleteParams } from './operations/delete.ts'
export type { GetOptions } from './operations/get.ts'
export { getItem, getItemOrThrow, getParams } from './operations/get.ts'
export type { PutMode, PutOptions } from './operations/put.ts'
export { createParams, putItem, putParams } from './operations/put.ts'
export type { Page, QueryKey, QueryOptions, SortKeyRange } from './operations/query.ts'
export { query, queryCount, queryParams } from './operations/query.ts'
export type { RetryOptions } from './operations/retry.ts'
export { backoffDelay, sleep } from './operations/retry.ts'
export type { ScanOptions } from './operations/scan.ts'
export { scan, scanParams } from './operations/scan.ts'
export { conditionCheckParams, transactWrite, transactWriteParams } from './operations/transact-write.ts'
export type { ReturnValuesOption, UpdatableOf, UpdateChanges, UpdateOptions } from './operations/update.ts'
export { updateItem, updateParams } from './operations/update.ts'
export { importErrorCode, retryableOnce } from './retryable-once.ts'
export type { TableNameResolver } from './table-names.ts'
export { resolveTableName } from './table-names.ts'
export {
  type ConflictRetryOptions,
  type ConflictRetryPlan,
  conflictRetryPlan,
} from './transaction-conflict-retry.ts'
export type {
  AddOptions,
  CommitListener,
  CommitOutcome,
  ConditionFailedMapping,
  QueuedWrite,
  QueueOptions,
} from './unit-of-work.ts'
export { MAX_TRANSACTION_ITEMS, UnitOfWork } from './unit-of-work.ts'
