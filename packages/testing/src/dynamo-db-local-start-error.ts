/** Thrown when DynamoDB Local exits or stays silent before it answers a request. */
export class DynamoDbLocalStartError extends Error {
  override readonly name = 'DynamoDbLocalStartError'
}
