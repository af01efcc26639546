// The walkthrough `pnpm start` prints: every CRUD operation of core on one model, including the
// refusals a payment service relies on (duplicate create, stale version, failed delete condition).
import { type Db, estimateCost, type ItemOf, isDynamormError } from '@dynamorm/core'
import { Payment } from './payment.ts'

export type PaymentItem = ItemOf<typeof Payment>

export interface WalkthroughOptions {
  /** The partner whose payments are written (one partition). */
  partnerId: string
  /** Where each step's line goes (default: nowhere). */
  say?: (line: string) => void
}

/** What happened, step by step, so callers (and tests) can check it rather than parse the output. */
export interface WalkthroughResult {
  created: PaymentItem
  duplicateCreate: string
  authorized: PaymentItem
  staleUpdate: string
  listed: string[]
  authorizedCount: number
  refusedDelete: string
  deleted: PaymentItem | undefined
  afterDelete: PaymentItem | undefined
  capacity: { calls: number; failedCalls: number; readCapacityUnits: number; writeCapacityUnits: number }
  costUsd: number
}

/** The typed error's name and status, or rethrows what is not a DynamORM refusal. */
async function refusal(attempt: Promise<unknown>): Promise<string> {
  try {
    await attempt
  } catch (error) {
    if (isDynamormError(error)) return `${error.name} (${error.status})`
    throw error
  }
  throw new Error('expected DynamoDB to refuse this write')
}

export async function runCrudWalkthrough(db: Db, options: WalkthroughOptions): Promise<WalkthroughResult> {
  const say = options.say ?? (() => {})
  const { partnerId } = options
  const payments = db.model(Payment)

  const created = await payments.create({ partnerId, id: 'pay-1', amount: 1250, status: 'PENDING' })
  say(`create   pay-1 ${created.amount} ${created.currency} -> version ${created.version}`)

  // create is attribute_not_exists(pk): a second create of the same payment never overwrites it.
  const duplicateCreate = await refusal(
    payments.create({ partnerId, id: 'pay-1', amount: 9999, status: 'PENDING' }),
  )
  say(`create   pay-1 again -> ${duplicateCreate}`)

  const read = await payments.getOrThrow({ partnerId, id: 'pay-1' }, { consistent: true })
  say(`get      pay-1 -> ${read.status}, version ${read.version}`)

  const authorized = await payments.update(
    { partnerId, id: 'pay-1' },
    { set: { status: 'AUTHORIZED', reference: 'auth-7731' } },
    { expectedVersion: read.version },
  )
  say(`update   pay-1 at version ${read.version} -> ${authorized.status}, version ${authorized.version}`)

  // A second writer still holding version 1 must reload, not overwrite the authorization.
  const staleUpdate = await refusal(
    payments.update(
      { partnerId, id: 'pay-1' },
      { set: { status: 'CANCELLED' } },
      { expectedVersion: read.version },
    ),
  )
  say(`update   pay-1 at stale version ${read.version} -> ${staleUpdate}`)

  await payments.create({ partnerId, id: 'pay-2', amount: 400, currency: 'USD', status: 'AUTHORIZED' })
  await payments.create({ partnerId, id: 'pay-3', amount: 75, status: 'PENDING' })
  const page = await payments.query({ partnerId }, { pages: 'all', consistent: true })
  const listed = page.items.map((item) => item.id)
  say(`query    partner ${partnerId} -> ${listed.join(', ')}`)
  const authorizedCount = await payments.count(
    { partnerId },
    { filter: (c) => c.eq('status', 'AUTHORIZED'), consistent: true },
  )
  say(`count    AUTHORIZED -> ${authorizedCount}`)

  // Only a PENDING payment may be deleted; an authorized one must be cancelled instead.
  const refusedDelete = await refusal(
    payments.delete({ partnerId, id: 'pay-1' }, { where: (c) => c.eq('status', 'PENDING') }),
  )
  say(`delete   pay-1 if PENDING -> ${refusedDelete}`)
  const deleted = await payments.delete(
    { partnerId, id: 'pay-3' },
    { where: (c) => c.eq('status', 'PENDING'), expectedVersion: 1 },
  )
  say(`delete   pay-3 if PENDING at version 1 -> deleted ${deleted?.id}`)
  const afterDelete = await payments.get({ partnerId, id: 'pay-3' }, { consistent: true })
  say(`get      pay-3 -> ${afterDelete === undefined ? 'not found' : afterDelete.status}`)

  const totals = db.meter.totals()
  const costUsd = estimateCost(totals).total
  say(
    `capacity ${totals.calls} calls, ${totals.readCapacityUnits} RCU, ${totals.writeCapacityUnits} WCU, ` +
      `~$${costUsd.toFixed(8)} on demand (us-east-1)`,
  )
  return {
    created,
    duplicateCreate,
    authorized,
    staleUpdate,
    listed,
    authorizedCount,
    refusedDelete,
    deleted,
    afterDelete,
    capacity: {
      calls: totals.calls,
      failedCalls: totals.failedCalls ?? 0,
      readCapacityUnits: totals.readCapacityUnits,
      writeCapacityUnits: totals.writeCapacityUnits,
    },
    costUsd,
  }
}
