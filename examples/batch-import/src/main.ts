// `pnpm start [count]`: DynamoDB Local behind a throttling proxy, a fresh table, the import of `count`
// payments (default 5000) with a progress bar on stderr and the report on stdout.
import { createDb } from '@dynamorm/core'
import {
  createTestTable,
  localDynamoClient,
  startDynamoDbLocal,
  startDynamoFaultProxy,
} from '@dynamorm/testing'
import { formatReport } from './import-report.ts'
import { samplePayments } from './payment.ts'
import { importPayments } from './payment-import.ts'
import { paymentsTable } from './payments-table.ts'
import { progressBar } from './progress-bar.ts'
import { throttleBursts } from './throttle-bursts.ts'

const count = Number(process.argv[2] ?? 5000)
if (!Number.isSafeInteger(count) || count < 1) throw new RangeError('count must be a positive integer')
const dynamo = await startDynamoDbLocal()
const proxy = await startDynamoFaultProxy(dynamo.endpoint)
try {
  const table = await createTestTable(
    localDynamoClient(dynamo.endpoint),
    paymentsTable('batch-import-payments'),
  )
  // SDK retries off: what retries throttled calls here is core's batch backoff.
  const client = localDynamoClient(proxy.endpoint, { maxAttempts: 1 })
  const db = createDb({ client, tableName: (logical) => (logical === 'payments' ? table.name : logical) })
  const bar = progressBar(process.stderr)
  const weather = throttleBursts(proxy.faults)
  const report = await importPayments(db, samplePayments(count), {
    onProgress: (progress) => {
      bar.update(progress)
      weather(progress)
    },
  })
  bar.finish()
  for (const line of formatReport(report)) console.log(line)
  process.exitCode = report.unprocessed > 0 || report.rejected.length > 0 ? 1 : 0
  client.destroy()
} finally {
  await proxy.close()
  await dynamo.stop()
}
