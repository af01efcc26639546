// The consumer's two tables. In production: CloudFormation / SAM, with TTL enabled on `expiresAt`; here
// createTestTable() makes them on DynamoDB Local.
import type { TestTableDefinition } from '@dynamorm/testing'

/** The tables under `namespace` (run-unique in tests, so they can share a DynamoDB Local). */
export function settlementTables(namespace: string): Array<TestTableDefinition & { name: string }> {
  return [
    // The ledger: string keys `pk` / `sk`.
    { name: `${namespace}ledger` },
    // Idempotency records, as @dynamorm/idempotency's defaults expect: partition key `pk`, TTL `expiresAt`.
    { name: `${namespace}idempotency`, sortKey: null, ttlAttribute: 'expiresAt' },
  ]
}
