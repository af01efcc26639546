import './vitest-provided-context.ts'

export type { RatioInterval, RatioIntervalOptions } from './bench-statistics.ts'
export { median, ratioInterval } from './bench-statistics.ts'
export type { DynamoDbLocal, StartDynamoDbLocalOptions } from './dynamo-db-local.ts'
export { startDynamoDbLocal } from './dynamo-db-local.ts'
export { DynamoDbLocalStartError } from './dynamo-db-local-start-error.ts'
export type { DynamoFaultProxy } from './dynamo-fault-proxy.ts'
export { startDynamoFaultProxy } from './dynamo-fault-proxy.ts'
export type { EventBridgeEventOptions } from './event-bridge-event.ts'
export { eventBridgeEvent } from './event-bridge-event.ts'
export type { FaultInjector, Faults } from './fault-injector.ts'
export { findFreePort } from './free-port.ts'
export type {
  HttpApiAuthorizerContext,
  HttpApiEvent,
  HttpApiEventOptions,
  JwtClaims,
} from './http-api-event.ts'
export { httpApiEvent } from './http-api-event.ts'
export { JavaNotFoundError } from './java-not-found-error.ts'
export type { KmsKey } from './kms-key.ts'
export { kmsKeyArn } from './kms-key.ts'
export type { KmsServer, StartKmsServerOptions } from './kms-server.ts'
export { startKmsServer } from './kms-server.ts'
export type { LambdaContextOptions } from './lambda-context.ts'
export { lambdaContext } from './lambda-context.ts'
export { localDynamoClient } from './local-dynamo-client.ts'
export type { LostResponseFaults } from './lost-response-fault.ts'
export type { ReadmeDiagnostic, ReadmeTypecheck, ReadmeTypecheckOptions } from './readme-typecheck.ts'
export { typecheckReadmeExamples } from './readme-typecheck.ts'
export type { RestApiEventOptions } from './rest-api-event.ts'
export { restApiEvent } from './rest-api-event.ts'
export type { SqsEventOptions, SqsRecordOptions } from './sqs-event.ts'
export { sqsEvent } from './sqs-event.ts'
export type { SqsMessageAttributeValue } from './sqs-message-attributes.ts'
export type { StsRole } from './sts-role.ts'
export type { StartStsServerOptions, StsServer, StsSession } from './sts-server.ts'
export { startStsServer } from './sts-server.ts'
export type { TestTable } from './test-table.ts'
export { createTestTable, deleteTestTable } from './test-table.ts'
export type {
  GlobalIndexDefinition,
  IndexProjection,
  KeyAttribute,
  KeyAttributeType,
  LocalIndexDefinition,
  TestTableDefinition,
} from './test-table-definition.ts'
export type { DynamoFaults } from './transaction-conflict-fault.ts'
