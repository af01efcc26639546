// From typed input to the input of the SDK command, no network: core against ElectroDB and
// dynamodb-toolbox on a get, a 10-attribute put, a 5-action conditional update and a filtered,
// projected query. Prints `BENCH <name> <value> <unit>` lines; see bench/README.md.
import { localDynamoClient, startDynamoDbLocal } from '@dynamorm/testing'
import { coreRequests } from './builders/core-requests.ts'
import { electrodbRequests } from './builders/electrodb-requests.ts'
import { toolboxRequests } from './builders/toolbox-requests.ts'
import {
  assertMarshallable,
  type DocumentOperation,
  marshalledMembersOf,
  toLowLevelInput,
} from './document-marshalling.ts'
import { checkAgainstDynamoDb, type SendableRequests } from './live-check.ts'
import { keys, type PaymentInput, type PaymentKey, payments, poolSize } from './payment-requests.ts'
import { checkGet, checkPut, checkQuery, checkUpdate, type LowLevelInput } from './request-checks.ts'
import { type Contender, heldResults, measure } from './sampler.ts'

const operations = ['get', 'put', 'update', 'query'] as const satisfies readonly DocumentOperation[]
type Operation = (typeof operations)[number]

/** The requests a side builds, from typed input; each returns the input it hands to its client. */
interface Requests {
  get(key: PaymentKey): object
  put(payment: PaymentInput): object
  update(key: PaymentKey): object
  query(partnerId: string): object
}

const built = {
  core: coreRequests,
  electrodb: electrodbRequests,
  toolbox: {
    ...toolboxRequests,
    // toolbox's send() drops its ToolboxItem echo before handing the rest to the DocumentClient.
    put: (payment: PaymentInput) => {
      const { ToolboxItem: _echo, ...input } = toolboxRequests.put(payment)
      return input
    },
    update: (key: PaymentKey) => {
      const { ToolboxItem: _echo, ...input } = toolboxRequests.update(key)
      return input
    },
  },
} satisfies Record<string, Requests>

type Side = keyof typeof built
const sides = Object.keys(built) as Side[]
const peers = ['electrodb', 'toolbox'] as const satisfies readonly Side[]

/** What each side hands the SDK: core's params as they are, the peers' after lib-dynamodb's marshalling. */
function sendable(side: Side): SendableRequests {
  const requests: Requests = built[side]
  if (side === 'core') return requests as SendableRequests
  const marshalled =
    (operation: Operation) =>
    (input: never): LowLevelInput =>
      toLowLevelInput(operation, (requests[operation] as (input: never) => LowLevelInput)(input))
  return {
    get: marshalled('get'),
    put: marshalled('put'),
    update: marshalled('update'),
    query: marshalled('query'),
  }
}

const partnerIds = [...new Set(payments.map((payment) => payment.partnerId))]

/** The typed input of round `round` of an operation, cycling through the pool. */
function inputOf(operation: Operation, round: number): PaymentKey | PaymentInput | string {
  if (operation === 'put') return payments[round % poolSize]!
  if (operation === 'query') return partnerIds[round % partnerIds.length]!
  return keys[round % poolSize]!
}

const timed = (requests: Requests | SendableRequests, operation: Operation) => {
  const build = requests[operation] as (input: unknown) => unknown
  return (round: number) => build(inputOf(operation, round))
}

function checkRequests(): void {
  for (const side of sides) {
    const requests = sendable(side)
    for (let round = 0; round < poolSize; round++) {
      if (side !== 'core') {
        for (const operation of operations) {
          assertMarshallable(operation, timed(built[side], operation)(round) as LowLevelInput)
        }
      }
      checkGet(side, requests.get(keys[round]!), keys[round]!)
      checkPut(side, requests.put(payments[round]!), payments[round]!)
      checkUpdate(side, requests.update(keys[round]!), keys[round]!)
      const partnerId = partnerIds[round % partnerIds.length]!
      checkQuery(side, requests.query(partnerId), partnerId)
    }
  }
}

async function checkLive(): Promise<void> {
  const dynamo = await startDynamoDbLocal()
  const client = localDynamoClient(dynamo.endpoint)
  try {
    for (const side of sides) await checkAgainstDynamoDb(side, client, sendable(side))
  } finally {
    client.destroy()
    await dynamo.stop()
  }
}

const format = (value: number, digits: number): string => value.toFixed(digits)

async function main(): Promise<void> {
  console.log(
    '# core builds low-level (AttributeValue) input; ElectroDB and dynamodb-toolbox build DocumentClient',
  )
  console.log(
    '# input, so their figures include the marshalling lib-dynamodb does when it sends (util-dynamodb',
  )
  console.log(
    `# marshall over ${operations.map((operation) => `${operation}: ${marshalledMembersOf(operation).join('/')}`).join(', ')})`,
  )
  checkRequests()
  console.log('# requests checked: key, item, update actions, condition, key condition, filter, projection')
  await checkLive()
  console.log('# requests run against DynamoDB Local: put, get, conditional update (and its refusal), query')

  for (const operation of operations) {
    const contenders: Contender[] = [
      { name: 'core', run: timed(sendable('core'), operation) },
      ...peers.map((peer) => ({ name: peer, run: timed(sendable(peer), operation) })),
      // The peers' params() alone, to show what the marshalling adds.
      ...peers.map((peer) => ({ name: `${peer}-params-only`, run: timed(built[peer], operation) })),
    ]
    const medians = measure(contenders)
    const core = medians.get('core')!
    for (const peer of peers) {
      const theirs = medians.get(peer)!
      console.log(`BENCH core-speedup-vs-${peer}-${operation} ${format(theirs / core, 2)} x`)
    }
    console.log(`BENCH core-${operation}-ns ${format(core, 0)} ns`)
    for (const peer of peers) console.log(`BENCH ${peer}-${operation}-ns ${format(medians.get(peer)!, 0)} ns`)
    for (const peer of peers) {
      const paramsOnly = medians.get(`${peer}-params-only`)!
      console.log(
        `# ${peer} ${operation}: params() alone ${format(paramsOnly, 0)} ns (core ${format(paramsOnly / core, 2)}x faster even without the marshalling)`,
      )
    }
  }
  console.log(`# results held against dead-code elimination: ${heldResults()}`)
}

await main()
