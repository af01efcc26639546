// Partners kept in a DynamoDB table of the platform's account, so onboarding or removing one needs no
// deploy. Lookups are cached per container (found and not-found alike, so a flood of requests for
// one partner costs one read per TTL) and single-flight.
import { GetItemCommand } from '@aws-sdk/client-dynamodb'
import { type Db, definedOptions, LruCache, marshallItem, unmarshallItem } from '@dynamorm/core'
import type { PartnerEntry, PartnerRegistry } from './partner-registry.ts'

export interface TableRegistryOptions {
  /** Logical name of the registry table, resolved through the request's Db (its prefix applies). */
  table: string
  /** Primary key of a partner's item (default `{ pk: 'PARTNER#<id>', sk: 'PARTNER' }`). */
  key?: (partnerId: string) => Record<string, unknown>
  /** How long a lookup is trusted, found or not (default 60000 ms). */
  cacheTtlMs?: number
  /** Partners cached at most, least recently used forgotten first (default 1000). */
  maxEntries?: number
  /** Strongly consistent reads (default false: a change shows within the TTL plus replication lag). */
  consistentRead?: boolean
  /** Clock in epoch ms (default Date.now); tests pass their own. */
  now?: () => number
}

export const tableRegistryDefaults = {
  key: (partnerId: string): Record<string, unknown> => ({ pk: `PARTNER#${partnerId}`, sk: 'PARTNER' }),
  cacheTtlMs: 60_000,
  maxEntries: 1000,
  consistentRead: false,
  now: Date.now,
}

interface CachedLookup {
  entry: PartnerEntry | undefined
  expiresAt: number
}

/**
 * A registry read from a table. An item has the fields of PartnerEntry (`tablePrefix`, not
 * `tableName`); an item with `disabled: true` counts as removed.
 */
export function tableRegistry(
  options: TableRegistryOptions,
): PartnerRegistry & { invalidate(partnerId: string): void } {
  const settings = { ...tableRegistryDefaults, ...definedOptions(options) }
  const cache = new LruCache<CachedLookup>({ maxEntries: settings.maxEntries })
  const inFlight = new Map<string, Promise<PartnerEntry | undefined>>()

  const fetchEntry = async (partnerId: string, db: Db): Promise<PartnerEntry | undefined> => {
    const { Item } = await db.send(
      new GetItemCommand({
        TableName: db.tableName(options.table),
        Key: marshallItem(settings.key(partnerId)),
        ConsistentRead: settings.consistentRead,
      }),
    )
    const item = Item && unmarshallItem(Item)
    if (!item || item.disabled === true) return undefined
    return {
      roleArn: item.roleArn as string,
      externalId: item.externalId as string | undefined,
      region: item.region as string,
      sessionDurationSeconds: item.sessionDurationSeconds as number | undefined,
      tablePrefix: item.tablePrefix as string | undefined,
      kmsKeyId: item.kmsKeyId as string | undefined,
    }
  }

  return {
    get(partnerId, db) {
      const cached = cache.get(partnerId)
      if (cached && settings.now() < cached.expiresAt) return cached.entry
      let lookup = inFlight.get(partnerId)
      if (!lookup) {
        lookup = fetchEntry(partnerId, db)
          .then((entry) => {
            // A lookup that raced an invalidate() is still returned, but not cached.
            if (inFlight.get(partnerId) === lookup) {
              cache.set(partnerId, { entry, expiresAt: settings.now() + settings.cacheTtlMs })
            }
            return entry
          })
          .finally(() => {
            if (inFlight.get(partnerId) === lookup) inFlight.delete(partnerId)
          })
        inFlight.set(partnerId, lookup)
      }
      return lookup
    },
    invalidate(partnerId) {
      cache.delete(partnerId)
      inFlight.delete(partnerId)
    },
  }
}
