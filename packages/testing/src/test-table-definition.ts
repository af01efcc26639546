export type KeyAttributeType = 'S' | 'N' | 'B'

export interface KeyAttribute {
  name: string
  type: KeyAttributeType
}

/** 'ALL' (default), 'KEYS_ONLY', or the non-key attributes to include. */
export type IndexProjection = 'ALL' | 'KEYS_ONLY' | string[]

export interface GlobalIndexDefinition {
  name: string
  partitionKey: KeyAttribute
  sortKey?: KeyAttribute
  projection?: IndexProjection
}

export interface LocalIndexDefinition {
  name: string
  sortKey: KeyAttribute
  projection?: IndexProjection
}

export interface TestTableDefinition {
  /**
   * The exact table name, for a table other code or a template names (an example's `pnpm start`). Not with
   * `prefix`. DynamoDB Local runs -sharedDb, so tests sharing one give a run-unique name or a prefix instead.
   */
  name?: string
  /** Name prefix (default 'test'); a random suffix keeps parallel tests' tables apart. Not with `name`. */
  prefix?: string
  /** Default `pk` (S). */
  partitionKey?: KeyAttribute
  /** Default `sk` (S); null for a partition-key-only table. */
  sortKey?: KeyAttribute | null
  globalIndexes?: GlobalIndexDefinition[]
  localIndexes?: LocalIndexDefinition[]
  /** Enables TTL on this attribute. */
  ttlAttribute?: string
}
