// `pnpm start`: DynamoDB Local, the settlement demo, and nothing left running.
import { startDynamoDbLocal } from '@dynamorm/testing'
import { runSettlementDemo } from './settlement-demo.ts'

const dynamo = await startDynamoDbLocal()
try {
  await runSettlementDemo({ dynamoEndpoint: dynamo.endpoint, say: (line) => console.log(line) })
} finally {
  await dynamo.stop()
}
