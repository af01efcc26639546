import type { TestProject } from 'vitest/node'
import { startDynamoDbLocal } from './dynamo-db-local.ts'
import './vitest-provided-context.ts'

/** Vitest global setup: one DynamoDB Local for the whole run, its endpoint provided as `dynamoEndpoint`. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dynamoDbLocal = await startDynamoDbLocal()
  project.provide('dynamoEndpoint', dynamoDbLocal.endpoint)
  return () => dynamoDbLocal.stop()
}
