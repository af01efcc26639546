// Who the partners are: per partner, the role to assume in its account and how its tables are named.
import type { Db } from '@dynamorm/core'
import { partnerError } from './partner-error.ts'
import { accountIdOf } from './role-arn.ts'

/** One partner's entry in the registry. */
export interface PartnerEntry {
  /** The role in the partner's account that the platform assumes (`arn:aws:iam::<account>:role/<name>`). */
  roleArn: string
  /** The ExternalId the partner's trust policy requires (recommended: it stops confused-deputy use). */
  externalId?: string
  /** Region of the partner's tables. */
  region: string
  /** Lifetime asked of STS, 900-43200 seconds (default 3600). */
  sessionDurationSeconds?: number
  /** Prefix of the partner's physical table names (`'partner-a-'`: `payments` is `partner-a-payments`). */
  tablePrefix?: string
  /** Or a function from logical to physical table name; tablePrefix wins when both are set. */
  tableName?: (logicalName: string) => string
  /** The partner's KMS key for field encryption, if it has one. */
  kmsKeyId?: string
}

/** Where partner entries come from: a static map (`staticRegistry`) or a table (`tableRegistry`). */
export interface PartnerRegistry {
  /**
   * The partner's entry, or undefined when it is unknown or removed. `db` is the request's own Db (the
   * platform's account), so a registry kept in DynamoDB is read with the request's client and meter.
   */
  get(partnerId: string, db: Db): PartnerEntry | undefined | Promise<PartnerEntry | undefined>
  /** Forgets what is cached about the partner, so a change or removal applies to the next request. */
  invalidate?(partnerId: string): void
}

/** An entry checked once: account id read from the ARN, defaults applied. */
export interface CheckedEntry extends PartnerEntry {
  accountId: string
  sessionDurationSeconds: number
  /** Equal for entries that need the same credentials and client. */
  fingerprint: string
}

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/
// Table names are 3-255 of [a-zA-Z0-9_.-]: a prefix outside that names no table, and would surface as a
// 400 (the caller's fault) at the first table the handler names.
const TABLE_PREFIX = /^[a-zA-Z0-9_.-]{0,252}$/

// The optional fields, and what they must be when set (entries may come from a table or from JS).
const OPTIONAL_FIELD_TYPES = {
  externalId: 'string',
  tablePrefix: 'string',
  tableName: 'function',
  kmsKeyId: 'string',
}

export function checkEntry(partnerId: string, entry: PartnerEntry): CheckedEntry {
  const invalid = (why: string) =>
    partnerError('PartnerConfigError', `Registry entry of partner ${partnerId} is invalid: ${why}`, {
      partnerId,
    })
  if (typeof entry !== 'object' || entry === null) throw invalid('not an object')
  const accountId = typeof entry.roleArn === 'string' ? accountIdOf(entry.roleArn) : undefined
  if (accountId === undefined) throw invalid('roleArn is not an IAM role ARN')
  if (typeof entry.region !== 'string' || !REGION.test(entry.region))
    throw invalid('region is not an AWS region')
  const duration = entry.sessionDurationSeconds ?? 3600
  if (!Number.isInteger(duration) || duration < 900 || duration > 43_200) {
    throw invalid('sessionDurationSeconds must be an integer from 900 to 43200')
  }
  for (const [field, type] of Object.entries(OPTIONAL_FIELD_TYPES)) {
    const value = entry[field as keyof PartnerEntry]
    if (value !== undefined && typeof value !== type) throw invalid(`${field} is not a ${type}`)
  }
  if (entry.tablePrefix !== undefined && !TABLE_PREFIX.test(entry.tablePrefix)) {
    throw invalid('tablePrefix is not the start of a DynamoDB table name')
  }
  return {
    ...entry,
    accountId,
    sessionDurationSeconds: duration,
    fingerprint: JSON.stringify([entry.roleArn, entry.externalId, entry.region, duration]),
  }
}

/**
 * A registry fixed at deploy time. Entries are checked when it is created, so a bad ARN or region
 * fails the cold start rather than a payment.
 */
export function staticRegistry(
  partners: Record<string, PartnerEntry> | ReadonlyMap<string, PartnerEntry>,
): PartnerRegistry {
  // A Map, not the object: an id like 'constructor' must not find Object.prototype's.
  const entries = new Map(partners instanceof Map ? partners : Object.entries(partners))
  for (const [partnerId, entry] of entries) checkEntry(partnerId, entry)
  return { get: (partnerId) => entries.get(partnerId) }
}
