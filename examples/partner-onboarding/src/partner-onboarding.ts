// Adding and removing a partner. The registry item is the switch: it is written disabled first
// (claiming the id), enabled only once the partner's tables exist and its role has been assumed with
// the ExternalId, and disabled again on removal, so partnerContext() never resolves a half-made partner.
import { randomUUID } from 'node:crypto'
import { type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb'
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts'
import {
  type ConditionFailedError,
  type Db,
  isDynamormError,
  marshallItem,
  unmarshallItem,
} from '@dynamorm/core'
import { defaultPartnerIdPattern, tableRegistryDefaults } from '@dynamorm/partner'
import { createTestTable, deleteTestTable } from '@dynamorm/testing'
import { onboardingError } from './onboarding-error.ts'
import { keyValueTable, partnerTables } from './tables.ts'

/**
 * Where a partner's role comes from. In production the partner deploys it in its own account (a trust
 * policy naming the platform's account and the ExternalId); locally the loopback STS learns it.
 */
export interface PartnerRoles {
  grant(role: { roleArn: string; externalId: string }): void | Promise<void>
  /**
   * Stops new AssumeRole calls. Sessions already issued keep working until they expire (up to the
   * session duration) unless the partner also revokes the role's active sessions (see README).
   */
  revoke(roleArn: string): void | Promise<void>
}

export interface OnboardingDeps {
  /** The platform account's Db: the registry lives there. */
  db: Db
  /** Logical name of the registry table (resolved through `db`). */
  registryTable: string
  /** A client allowed to create and delete the partner's tables. */
  tablesClient: DynamoDBClient
  roles: PartnerRoles
  /** STS as the platform: the role is assumed once before the partner is enabled. */
  sts: STSClient
  /** The handlers' registry in this container, told to forget its cached lookup. */
  registry?: { invalidate(partnerId: string): void }
  /** Physical table names start with this, then `<partnerId>-` (default `'partner-'`). */
  tablePrefix?: string
}

export interface OnboardingRequest {
  partnerId: string
  /** The partner's AWS account (12 digits). */
  accountId: string
  region: string
  /** Name of the role the partner creates for the platform (default `'dynamorm-platform-access'`). */
  roleName?: string
}

export interface OnboardedPartner {
  partnerId: string
  roleArn: string
  externalId: string
  region: string
  tablePrefix: string
  tables: string[]
}

export const onboardingDefaults = { roleName: 'dynamorm-platform-access', tablePrefix: 'partner-' }

const ACCOUNT_ID = /^\d{12}$/
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/

function checkRequest(request: OnboardingRequest): void {
  const invalid = (why: string) => onboardingError('InvalidOnboardingRequestError', why)
  if (typeof request.partnerId !== 'string' || !defaultPartnerIdPattern.test(request.partnerId))
    throw invalid('partnerId must be 2-63 letters, digits and dashes')
  if (typeof request.accountId !== 'string' || !ACCOUNT_ID.test(request.accountId))
    throw invalid('accountId must be 12 digits')
  if (typeof request.region !== 'string' || !REGION.test(request.region))
    throw invalid('region is not an AWS region')
  if (request.roleName !== undefined && !ROLE_NAME.test(request.roleName))
    throw invalid('roleName is not an IAM role name')
}

const registryKey = (partnerId: string) => marshallItem(tableRegistryDefaults.key(partnerId))

/** Onboards a partner: its tables, its role, then the registry item that makes it resolvable. */
export async function onboardPartner(
  deps: OnboardingDeps,
  request: OnboardingRequest,
): Promise<OnboardedPartner> {
  checkRequest(request)
  const { partnerId, accountId, region } = request
  const roleArn = `arn:aws:iam::${accountId}:role/${request.roleName ?? onboardingDefaults.roleName}`
  const tablePrefix = `${deps.tablePrefix ?? onboardingDefaults.tablePrefix}${partnerId}-`
  const TableName = deps.db.tableName(deps.registryTable)

  // The claim. The platform picks the ExternalId, never the partner: it is what stops a confused
  // deputy. An onboarding left unfinished (a role not yet assumable, a crash, one running now) keeps
  // its ExternalId, so a rerun or a concurrent run grants the role the one the registry holds.
  let externalId: string
  try {
    const { Attributes } = await deps.db.send(
      new UpdateItemCommand({
        TableName,
        Key: registryKey(partnerId),
        UpdateExpression:
          'SET externalId = if_not_exists(externalId, :externalId), roleArn = :roleArn, #region = :region, tablePrefix = :tablePrefix, disabled = :true, #state = :onboarding',
        // A partner half-onboarded or removed may be onboarded again; an active one may not, nor one
        // whose removal is running or unfinished: that removal would revoke the role granted here.
        ConditionExpression: 'attribute_not_exists(pk) OR NOT (#state IN (:active, :removing))',
        ExpressionAttributeNames: { '#state': 'state', '#region': 'region' },
        ExpressionAttributeValues: marshallItem({
          ':externalId': randomUUID(),
          ':roleArn': roleArn,
          ':region': region,
          ':tablePrefix': tablePrefix,
          ':true': true,
          ':onboarding': 'ONBOARDING',
          ':active': 'ACTIVE',
          ':removing': 'OFFBOARDING',
        }),
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    )
    externalId = unmarshallItem(Attributes ?? {}).externalId as string
  } catch (error) {
    if (isDynamormError(error, 'ConditionFailedError')) {
      if ((error as ConditionFailedError).item?.state === 'OFFBOARDING') {
        throw onboardingError(
          'PartnerRemovalUnfinishedError',
          `Partner ${partnerId} is being removed; run its removal again to finish it, then onboard it`,
          { partnerId },
        )
      }
      throw onboardingError('PartnerAlreadyOnboardedError', `Partner ${partnerId} is already onboarded`, {
        partnerId,
      })
    }
    throw error
  }

  const tables = partnerTables.map((logical) => `${tablePrefix}${logical}`)
  for (const table of tables) {
    try {
      await createTestTable(deps.tablesClient, keyValueTable(table))
    } catch (error) {
      // Kept from an earlier onboarding (removal keeps data unless asked): the partner's data stays.
      if ((error as { name?: string }).name !== 'ResourceInUseException') throw error
    }
  }

  await deps.roles.grant({ roleArn, externalId })
  try {
    await deps.sts.send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: `onboarding-${partnerId}`,
        ExternalId: externalId,
      }),
    )
  } catch (error) {
    // Left disabled: the partner can fix its role and be onboarded again.
    throw onboardingError('PartnerRoleNotUsableError', `The role of partner ${partnerId} cannot be assumed`, {
      partnerId,
      stsCode: (error as { name?: string }).name,
    })
  }

  try {
    await deps.db.send(
      new UpdateItemCommand({
        TableName,
        Key: registryKey(partnerId),
        UpdateExpression: 'SET disabled = :false, #state = :active, onboardedAt = :now',
        // Still this onboarding's claim: a concurrent one for another role or region may have replaced it.
        ConditionExpression: 'externalId = :externalId AND roleArn = :roleArn AND #region = :region',
        ExpressionAttributeNames: { '#state': 'state', '#region': 'region' },
        ExpressionAttributeValues: marshallItem({
          ':false': false,
          ':active': 'ACTIVE',
          ':now': new Date().toISOString(),
          ':externalId': externalId,
          ':roleArn': roleArn,
          ':region': region,
        }),
      }),
    )
  } catch (error) {
    if (isDynamormError(error, 'ConditionFailedError')) {
      throw onboardingError(
        'PartnerOnboardingConflictError',
        `Another onboarding of partner ${partnerId}, for another role or region, ran at the same time; run it again`,
        { partnerId },
      )
    }
    throw error
  }
  // A "not found" cached before onboarding would otherwise hide the partner until it expires.
  deps.registry?.invalidate(partnerId)
  return { partnerId, roleArn, externalId, region, tablePrefix, tables }
}

export interface OffboardingOptions {
  /** Also delete the partner's tables (default false: payment data is kept for its retention period). */
  deleteTables?: boolean
}

/**
 * Removes a partner: disabled in the registry first (it stops resolving, state OFFBOARDING), then its
 * role is revoked and its tables deleted if asked, then OFFBOARDED. A removal stopped midway (IAM or
 * DynamoDB failing) is finished by running it again.
 */
export async function offboardPartner(
  deps: OnboardingDeps,
  partnerId: string,
  options: OffboardingOptions = {},
): Promise<{ partnerId: string; roleArn: string; deletedTables: string[] }> {
  const TableName = deps.db.tableName(deps.registryTable)
  let item: Record<string, unknown>
  try {
    const { Attributes } = await deps.db.send(
      new UpdateItemCommand({
        TableName,
        Key: registryKey(partnerId),
        // Its ExternalId goes with the role: a later onboarding gets a new one.
        UpdateExpression: 'SET disabled = :true, #state = :removing, offboardedAt = :now REMOVE externalId',
        // OFFBOARDING: an earlier removal stopped before its role or tables were dealt with.
        ConditionExpression: '#state IN (:active, :removing)',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: marshallItem({
          ':true': true,
          ':removing': 'OFFBOARDING',
          ':active': 'ACTIVE',
          ':now': new Date().toISOString(),
        }),
        ReturnValues: 'ALL_NEW',
      }),
    )
    item = unmarshallItem(Attributes ?? {})
  } catch (error) {
    if (isDynamormError(error, 'ConditionFailedError')) {
      throw onboardingError('PartnerNotOnboardedError', `Partner ${partnerId} is not onboarded`, {
        partnerId,
      })
    }
    throw error
  }
  deps.registry?.invalidate(partnerId)
  const roleArn = item.roleArn as string
  await deps.roles.revoke(roleArn)
  const deletedTables: string[] = []
  if (options.deleteTables) {
    for (const logical of partnerTables) {
      const table = `${item.tablePrefix as string}${logical}`
      await deleteTestTable(deps.tablesClient, table)
      deletedTables.push(table)
    }
  }
  try {
    await deps.db.send(
      new UpdateItemCommand({
        TableName,
        Key: registryKey(partnerId),
        UpdateExpression: 'SET #state = :removed',
        ConditionExpression: '#state = :removing',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: marshallItem({ ':removed': 'OFFBOARDED', ':removing': 'OFFBOARDING' }),
      }),
    )
  } catch (error) {
    // An onboarding claimed the partner again meanwhile: the item is that onboarding's now.
    if (!isDynamormError(error, 'ConditionFailedError')) throw error
  }
  return { partnerId, roleArn, deletedTables }
}
