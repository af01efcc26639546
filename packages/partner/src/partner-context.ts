// partnerContext(): after dynamoClient(), before idempotency and audit. Resolves the partner of the
// event, makes sure its credentials are usable (so STS trouble is a typed error here, not a signing
// failure in the handler) and gives the handler a Db in the partner's account that shares the
// request's capacity meter and unit of work.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import type { STSClient, STSClientConfig } from '@aws-sdk/client-sts'
import {
  boundToRequest,
  createWarmDynamoClient,
  type DynamoClientContext,
  type WarmDynamoClientOptions,
} from '@dynamorm/client'
import { definedOptions, type ItemTransformer, LruCache } from '@dynamorm/core'
import type { MiddlewareObj, Request } from '@middy/core'
import type { Context } from 'aws-lambda'
import { withinRequestDeadline } from './credentials-deadline.ts'
import { Partner, type PartnerIdentity } from './partner.ts'
import { PartnerCredentials } from './partner-credentials.ts'
import { partnerError } from './partner-error.ts'
import {
  defaultPartnerIdPattern,
  defaultPartnerIdSource,
  type PartnerIdSource,
  partnerIdLookup,
  readPartnerId,
} from './partner-id.ts'
import {
  type CheckedEntry,
  checkEntry,
  type PartnerEntry,
  type PartnerRegistry,
  staticRegistry,
} from './partner-registry.ts'
import { assumePartnerRole } from './role-session.ts'
import { lazyStsClient } from './sts-client.ts'

export interface PartnerContextOptions {
  /** The registry: `tableRegistry(...)`, your own, or a static map of partner id to entry. */
  partners: PartnerRegistry | Record<string, PartnerEntry> | ReadonlyMap<string, PartnerEntry>
  /** Where the partner id is read (default authorizer claim 'partner_id'; see PartnerIdSource). */
  resolve?: PartnerIdSource
  /** Pattern a partner id must match, else 400 (default /^[a-z0-9][a-z0-9-]{1,62}$/i). */
  idPattern?: RegExp
  /** Bring your own STS client (used as is: its own retries add to `stsAttempts`). */
  sts?: STSClient
  /**
   * Settings of the STS client made otherwise (default: the Lambda's region, 1000/3000 ms timeouts).
   * It is made, and `@aws-sdk/client-sts` imported, at the first AssumeRole, not at module init.
   */
  stsClientConfig?: STSClientConfig
  /** AssumeRole calls per credential fetch, the first included (default 3). */
  stsAttempts?: number
  /** Base of the jittered exponential backoff between STS attempts (default 100 ms). */
  stsBaseDelayMs?: number
  /** Cap of one backoff delay (default 2000 ms). */
  stsMaxDelayMs?: number
  /** Credentials are not handed out this close to their Expiration (default 300000 ms = 5 min). */
  refreshMarginMs?: number
  /** From this long before Expiration, a background AssumeRole replaces them (default 600000 ms = 10 min). */
  refreshAheadMs?: number
  /** Partners whose credentials and client are kept, least recently used dropped first (default 100). */
  maxPartners?: number
  /** Connection, timeout and retry settings of the partners' DynamoDB clients (as dynamoClient's). */
  partnerClient?: WarmDynamoClientOptions
  /**
   * The item codec of the partner's Db (e.g. field encryption under the partner's own KMS key:
   * `partnerFieldEncryption(...)` from @dynamorm/encryption). Called for every request with the
   * partner's identity and credentials; cache inside it (partnerFieldEncryption does). Default none.
   */
  transformer?: (partner: PartnerIdentity) => ItemTransformer | undefined
  /** Clock in epoch ms (default Date.now); tests pass their own. */
  now?: () => number
}

/** What `partnerContext()` adds to the Lambda context. */
export interface PartnerContext {
  partner: Partner
}

export const partnerContextDefaults = {
  resolve: defaultPartnerIdSource as PartnerIdSource,
  idPattern: defaultPartnerIdPattern,
  stsAttempts: 3,
  stsBaseDelayMs: 100,
  stsMaxDelayMs: 2000,
  refreshMarginMs: 300_000,
  refreshAheadMs: 600_000,
  maxPartners: 100,
  partnerClient: {} as WarmDynamoClientOptions,
  now: Date.now,
}

// An evicted partner's client may still be serving a request; its sockets are closed a while later.
const evictedClientGraceMs = 60_000

interface PartnerSlot {
  entry: CheckedEntry
  credentials: PartnerCredentials
  client: DynamoDBClient
}

type PartnerRequest = Request<
  unknown,
  unknown,
  Error,
  Context & PartnerContext & Partial<DynamoClientContext>
>

/** Middy middleware injecting `context.partner`. Use it after `dynamoClient()`. */
export function partnerContext(
  options: PartnerContextOptions,
): MiddlewareObj<unknown, any, Error, Context & PartnerContext> {
  const settings = { ...partnerContextDefaults, ...definedOptions(options) }
  if (settings.refreshAheadMs < settings.refreshMarginMs) {
    throw partnerError(
      'PartnerConfigError',
      'partnerContext: refreshAheadMs must not be below refreshMarginMs',
    )
  }
  const partners = options.partners
  if (typeof partners !== 'object' || partners === null) {
    throw partnerError('PartnerConfigError', 'partnerContext: partners is required')
  }
  // A Map has a get() too, but of entries, not a registry's.
  const registry =
    typeof (partners as PartnerRegistry).get === 'function' && !(partners instanceof Map)
      ? (partners as PartnerRegistry)
      : staticRegistry(partners as Record<string, PartnerEntry>)
  const lookup = partnerIdLookup(settings.resolve)
  // Made (and @aws-sdk/client-sts imported) at the first AssumeRole, not at init.
  const sts = lazyStsClient(settings.sts, settings.stsClientConfig)
  let stsRequested = false
  const retry = {
    attempts: settings.stsAttempts,
    baseDelayMs: settings.stsBaseDelayMs,
    maxDelayMs: settings.stsMaxDelayMs,
    now: settings.now,
  }
  const checked = new WeakMap<PartnerEntry, CheckedEntry>()
  const slots = new LruCache<PartnerSlot>({ maxEntries: settings.maxPartners, onEvict: retire })

  const slotFor = (partnerId: string, entry: CheckedEntry): PartnerSlot => {
    const existing = slots.get(partnerId)
    if (existing?.entry.fingerprint === entry.fingerprint) {
      existing.entry = entry
      return existing
    }
    const credentials = new PartnerCredentials(
      (requestId) => assumePartnerRole(sts, partnerId, entry, requestId, retry),
      settings,
    )
    const clientConfig = settings.partnerClient.clientConfig
    const client = createWarmDynamoClient({
      ...settings.partnerClient,
      clientConfig: { ...clientConfig, region: entry.region, credentials: credentials.provide },
    })
    const slot = { entry, credentials, client }
    slots.set(partnerId, slot)
    return slot
  }

  const partnerContextBefore = async (request: PartnerRequest): Promise<void> => {
    const { event, context } = request
    const db = context.db
    if (db === undefined) {
      throw partnerError(
        'PartnerConfigError',
        'partnerContext() needs dynamoClient() before it in .use() order',
      )
    }
    const partnerId = readPartnerId(lookup, settings.idPattern, event, context)
    // A container's first request always assumes a role: load STS while the registry is read. A
    // failure is not reported here; the AssumeRole that needs the client loads it again and throws.
    if (!stsRequested) {
      stsRequested = true
      sts().catch(() => {
        stsRequested = false
      })
    }
    const found = await registry.get(partnerId, db)
    if (found === undefined) {
      slots.delete(partnerId)
      throw partnerError('UnknownPartnerError', 'The partner is not known', { partnerId })
    }
    let entry = checked.get(found)
    if (entry === undefined) checked.set(found, (entry = checkEntry(partnerId, found)))
    const slot = slotFor(partnerId, entry)
    const session = slot.credentials.current(context.awsRequestId)
    if (session instanceof Promise) await withinRequestDeadline(session, db, partnerId)
    const identity: PartnerIdentity = {
      id: partnerId,
      accountId: entry.accountId,
      region: entry.region,
      kmsKeyId: entry.kmsKeyId,
      credentials: slot.credentials.provide,
    }
    const transformer = settings.transformer?.(identity)
    context.partner = new Partner(
      identity,
      db.scoped({
        client: boundToRequest(slot.client, db),
        tableName: entry.tablePrefix ?? entry.tableName,
        ...(transformer === undefined ? {} : { transformer }),
      }),
      slot.credentials.provide,
    )
  }

  return { name: 'partnerContext', before: partnerContextBefore } as MiddlewareObj<
    unknown,
    any,
    Error,
    Context & PartnerContext
  >
}

function retire(slot: PartnerSlot): void {
  setTimeout(() => slot.client.destroy(), evictedClientGraceMs).unref()
}
