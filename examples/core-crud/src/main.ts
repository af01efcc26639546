// `pnpm start`: DynamoDB Local, a fresh table, the walkthrough, and nothing left running.
import { createDb } from '@dynamorm/core'
import { createTestTable, localDynamoClient, startDynamoDbLocal } from '@dynamorm/testing'
import { runCrudWalkthrough } from './crud-walkthrough.ts'
import { paymentsTable } from './payments-table.ts'

const dynamo = await startDynamoDbLocal()
try {
  const client = localDynamoClient(dynamo.endpoint)
  const table = await createTestTable(client, paymentsTable('core-crud-payments'))
  const db = createDb({ client, tableName: (logical) => (logical === 'payments' ? table.name : logical) })
  await runCrudWalkthrough(db, { partnerId: 'acme', say: (line) => console.log(line) })
  client.destroy()
} finally {
  await dynamo.stop()
}
