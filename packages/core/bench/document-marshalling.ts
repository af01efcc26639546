// ElectroDB's and dynamodb-toolbox's params() give DocumentClient input (plain JS values); the
// DocumentClient of @aws-sdk/lib-dynamodb marshalls it to AttributeValues when it sends. Core's
// params are already AttributeValues, so to compare the same work the peers' side of the bench adds
// that marshalling: util-dynamodb's `marshall` (what lib-dynamodb calls) over exactly the input
// members lib-dynamodb's own commands declare, with the options its middleware sets.
import { createRequire } from 'node:module'
import type { AttributeValue } from '@aws-sdk/client-dynamodb'
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb'

type Marshall = (value: unknown, options: { convertTopLevelContainer: boolean }) => AttributeValue

// util-dynamodb is lib-dynamodb's own dependency (not one of core's), so it is loaded from there:
// the very copy a DocumentClient would use.
const fromLibDynamodb = createRequire(import.meta.resolve('@aws-sdk/lib-dynamodb'))
const { marshall } = fromLibDynamodb('@aws-sdk/util-dynamodb') as { marshall: Marshall }

// lib-dynamodb's DocumentMarshall middleware defaults convertTopLevelContainer to true.
const marshallOptions = { convertTopLevelContainer: true }

export type DocumentOperation = 'get' | 'put' | 'update' | 'query'

type KeyNodes = Record<string, unknown>
const keyNodesOf = (command: object): KeyNodes => (command as { inputKeyNodes: KeyNodes }).inputKeyNodes

/** The input members lib-dynamodb marshalls, per operation, read from its command classes. */
const marshalledMembers: Record<DocumentOperation, readonly string[]> = (() => {
  const members = (nodes: KeyNodes): string[] => {
    // `{}` (ALL_VALUES) marks a map whose every value is marshalled: Key, Item, ExpressionAttributeValues,
    // ExclusiveStartKey. The other nodes belong to legacy parameters (Expected, KeyConditions,
    // QueryFilter, AttributeUpdates) that neither peer emits; toLowLevelInput rejects them.
    return Object.entries(nodes)
      .filter(([, node]) => typeof node === 'object' && node !== null && Object.keys(node).length === 0)
      .map(([member]) => member)
  }
  return {
    get: members(keyNodesOf(new GetCommand({ TableName: 't', Key: {} }))),
    put: members(keyNodesOf(new PutCommand({ TableName: 't', Item: {} }))),
    update: members(keyNodesOf(new UpdateCommand({ TableName: 't', Key: {} }))),
    query: members(keyNodesOf(new QueryCommand({ TableName: 't' }))),
  }
})()

const legacyMembers = ['Expected', 'KeyConditions', 'QueryFilter', 'AttributeUpdates', 'ScanFilter']

/** What lib-dynamodb sends for a DocumentClient input: a copy with each marshalled member converted. */
export function toLowLevelInput(
  operation: DocumentOperation,
  input: Record<string, unknown>,
): Record<string, unknown> {
  const output: Record<string, unknown> = { ...input }
  for (const member of marshalledMembers[operation]) {
    const values = input[member] as Record<string, unknown> | undefined
    if (values === undefined) continue
    const converted: Record<string, AttributeValue> = {}
    for (const name of Object.keys(values)) converted[name] = marshall(values[name], marshallOptions)
    output[member] = converted
  }
  return output
}

/** Fails when a peer's input uses a member this replica of lib-dynamodb's marshalling does not cover. */
export function assertMarshallable(operation: DocumentOperation, input: Record<string, unknown>): void {
  const legacy = legacyMembers.find((member) => input[member] !== undefined)
  if (legacy !== undefined)
    throw new Error(`${operation}: legacy parameter ${legacy} is not covered by the bench`)
  if (marshalledMembers[operation].length === 0) throw new Error(`${operation}: found no members to marshall`)
}

export const marshalledMembersOf = (operation: DocumentOperation): readonly string[] =>
  marshalledMembers[operation]
