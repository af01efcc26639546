// Table definitions: the registry in the platform's account, and the tables every partner gets (in
// production, created in the partner's account by a stack the partner deploys; here, by createTestTable()
// on DynamoDB Local).
import type { TestTableDefinition } from '@dynamorm/testing'

/** Logical names of the tables each partner has, prefixed per partner (`partner-acme-payments`). */
export const partnerTables = ['payments'] as const

/** The registry's layout and the partners' tables': string keys `pk` / `sk` (the default), on demand. */
export function keyValueTable(name: string): TestTableDefinition {
  return { name }
}
