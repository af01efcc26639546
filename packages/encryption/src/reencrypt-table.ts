// Key rotation's second half: after `keyId` names the new KMS key, move existing items onto it.
// Each item is rewritten only if it still holds what was read (a concurrent writer wins).
import {
  type AttributeValue,
  DescribeTableCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb'
import { type AttributeMap, type Db, isDynamormError, unmarshallItem } from '@dynamorm/core'
import type { FieldEncryption } from './field-encryption.ts'

export interface ReencryptTableOptions {
  db: Db
  /** Logical table name (resolved through `db.tableName`). */
  table: string
  encryption: FieldEncryption
  /** The table's encrypted attributes. */
  encryptedAttributes: readonly string[]
  /** Model name passed to the transformer (default: the logical table name). */
  model?: string
  /** Items per Scan page (default 100). */
  pageSize?: number
  /** Rewrite every item, not only those under another KMS key (e.g. after a data-key scare). */
  all?: boolean
}

export interface ReencryptTableResult {
  /** Items read. */
  scanned: number
  /** Items rewritten under the current key. */
  reencrypted: number
  /** Items changed by someone else between read and rewrite (left as that writer left them). */
  conflicts: number
}

export async function reencryptTable(options: ReencryptTableOptions): Promise<ReencryptTableResult> {
  const { db, encryption, encryptedAttributes } = options
  const table = db.tableName(options.table)
  const description = await db.send(new DescribeTableCommand({ TableName: table }))
  const keyNames = (description.Table?.KeySchema ?? []).map((element) => element.AttributeName!)
  const result: ReencryptTableResult = { scanned: 0, reencrypted: 0, conflicts: 0 }
  let startKey: Record<string, AttributeValue> | undefined
  do {
    const page = await db.send(
      new ScanCommand({ TableName: table, Limit: options.pageSize ?? 100, ExclusiveStartKey: startKey }),
    )
    for (const item of page.Items ?? []) {
      result.scanned += 1
      if (!encryptedAttributes.some((attribute) => item[attribute] !== undefined)) continue
      const key = Object.fromEntries(keyNames.map((name) => [name, item[name]!]))
      const context = { table, model: options.model ?? options.table, key, encryptedAttributes }
      const { item: sealed, changed } = await encryption
        .reencryptItem(item, context)
        .catch((error: unknown) => {
          // The run stops at an item it cannot open (tampered, or under a key it may not use): name the
          // item, so it can be looked at before the run is started again.
          if (isDynamormError(error)) error.details.key = unmarshallItem(key)
          throw error
        })
      if (!changed && !options.all) continue
      // Beacons too: an item written before beacons were configured gets them now.
      const { dataKey, beacons } = encryption.storedAttributes
      const attributes = [...encryptedAttributes, dataKey, ...Object.values(beacons)]
      if (await rewrite(db, table, key, item, sealed, attributes)) {
        result.reencrypted += 1
      } else {
        result.conflicts += 1
      }
    }
    startKey = page.LastEvaluatedKey
  } while (startKey !== undefined)
  return result
}

/** SET the re-sealed fields and data keys, on condition the old ones are still there unchanged. */
async function rewrite(
  db: Db,
  table: string,
  key: AttributeMap,
  before: AttributeMap,
  after: AttributeMap,
  attributes: string[],
): Promise<boolean> {
  const names: Record<string, string> = {}
  const values: Record<string, AttributeValue> = {}
  const sets: string[] = []
  const conditions: string[] = []
  attributes.forEach((attribute, index) => {
    names[`#a${index}`] = attribute
    if (before[attribute] === undefined) {
      conditions.push(`attribute_not_exists(#a${index})`)
    } else {
      values[`:old${index}`] = before[attribute]
      conditions.push(`#a${index} = :old${index}`)
    }
    if (after[attribute] !== undefined) {
      values[`:new${index}`] = after[attribute]
      sets.push(`#a${index} = :new${index}`)
    }
  })
  try {
    await db.send(
      new UpdateItemCommand({
        TableName: table,
        Key: key,
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      }),
    )
    return true
  } catch (error) {
    if (isDynamormError(error, 'ConditionFailedError')) return false
    throw error
  }
}
