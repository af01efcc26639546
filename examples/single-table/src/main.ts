// `pnpm start`: DynamoDB Local, the ledger table, the tour, and nothing left running.
import { createDb } from '@dynamorm/core'
import { localDynamoClient, startDynamoDbLocal } from '@dynamorm/testing'
import { createLedgerTable } from './ledger-table.ts'
import { runLedgerTour } from './ledger-tour.ts'

const dynamo = await startDynamoDbLocal()
try {
  const client = localDynamoClient(dynamo.endpoint)
  const table = await createLedgerTable(client, 'single-table-ledger')
  const db = createDb({ client, tableName: (logical) => (logical === 'ledger' ? table.name : logical) })
  await runLedgerTour(db, (line) => console.log(line))
  client.destroy()
} finally {
  await dynamo.stop()
}
