// Shared test models and DynamoDB Local helpers (not a test file itself).
import { createTestTable, localDynamoClient, type TestTable } from '@dynamorm/testing'
import { afterAll, beforeAll, inject } from 'vitest'
import {
  bigint,
  binary,
  boolean,
  createDb,
  type Db,
  type DbOptions,
  date,
  decimal,
  defineModel,
  enumeration,
  list,
  map,
  number,
  numberSet,
  string,
  stringSet,
} from '../src/index.ts'

export const Payment = defineModel({
  name: 'Payment',
  table: 'payments',
  attributes: {
    partnerId: string().required(),
    id: string().required(),
    amount: number()
      .required()
      .validate((value) => value >= 0 || 'amount must not be negative'),
    minor: bigint(),
    exact: decimal(),
    currency: enumeration(['EUR', 'USD', 'GBP']).default('EUR'),
    status: enumeration(['PENDING', 'AUTHORIZED', 'SETTLED']).required(),
    captured: boolean(),
    receipt: binary(),
    settledAt: date(),
    tags: stringSet(),
    scores: numberSet(),
    notes: list(string()),
    card: map({ last4: string().required(), brand: string() }),
    meta: map(),
    cardNumber: string().encrypted(),
    expiresAt: date('epochSeconds'),
  },
  key: { pk: 'PARTNER#{partnerId}', sk: 'PAYMENT#{id}' },
  indexes: {
    byStatus: { type: 'gsi', pk: 'STATUS#{partnerId}#{status}', sk: 'PAYMENT#{id}' },
    bySettledAt: { type: 'gsi', pk: 'SETTLED#{partnerId}', sk: 'AT#{settledAt}', sparse: true },
  },
  version: 'version',
  timestamps: true,
  ttl: 'expiresAt',
})

/** A second entity in the same table (single-table design). */
export const Refund = defineModel({
  name: 'Refund',
  table: 'payments',
  attributes: {
    partnerId: string().required(),
    id: string().required(),
    paymentId: string().required(),
    amount: number().required(),
  },
  key: { pk: 'PARTNER#{partnerId}', sk: 'PAYMENT#{paymentId}#REFUND#{id}' },
})

export const paymentTableDefinition = {
  prefix: 'core',
  globalIndexes: [
    {
      name: 'byStatus',
      partitionKey: { name: 'byStatuspk', type: 'S' as const },
      sortKey: { name: 'byStatussk', type: 'S' as const },
    },
    {
      name: 'bySettledAt',
      partitionKey: { name: 'bySettledAtpk', type: 'S' as const },
      sortKey: { name: 'bySettledAtsk', type: 'S' as const },
    },
  ],
  ttlAttribute: 'expiresAt',
}

export interface TestDb {
  db: Db
  table: TestTable
  endpoint: string
}

/** A Db whose logical table `payments` resolves to a fresh DynamoDB Local table. */
export async function paymentsDb(options: Partial<DbOptions> = {}): Promise<TestDb> {
  const endpoint = inject('dynamoEndpoint')
  const client = localDynamoClient(endpoint)
  const table = await createTestTable(client, paymentTableDefinition)
  const db = createDb({
    client,
    tableName: (logical) => (logical === 'payments' ? table.name : logical),
    ...options,
  })
  return { db, table, endpoint }
}

/** For a test file: a fresh payments table before its tests (filled in by beforeAll), deleted after. */
export function paymentsTableForFile(options: Partial<DbOptions> = {}): TestDb {
  const env = {} as TestDb
  beforeAll(async () => {
    Object.assign(env, await paymentsDb(options))
  })
  afterAll(() => env.table.delete())
  return env
}

let counter = 0
export const uniqueId = (prefix = 'id') => `${prefix}-${Date.now().toString(36)}-${counter++}`

/** A Payment input for partner p1 with a fresh id; `overrides` replace or add attributes. */
export const newPayment = (overrides: Record<string, unknown> = {}) => ({
  partnerId: 'p1',
  id: uniqueId('pay'),
  amount: 1250,
  status: 'PENDING' as const,
  ...overrides,
})
