// The table the Payment model lives in: createTestTable's default layout, string keys `pk` / `sk`, on
// demand. In production this is CloudFormation / SAM; here it is made on DynamoDB Local so the example
// needs nothing else.
import type { TestTableDefinition } from '@dynamorm/testing'

/** The payments table under `name` (`pnpm start` names it; tests give a run-unique name). */
export function paymentsTable(name: string): TestTableDefinition {
  return { name }
}
