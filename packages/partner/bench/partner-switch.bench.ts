// Partner switching: middleware cost per request with warm caches, the first request of a partner
// (AssumeRole against the loopback STS), and how many AssumeRole calls 1000 concurrent requests over
// 10 partners make. Every figure is measured in this run; timings are medians.
import { dynamoClient } from '@dynamorm/client'
import { httpApiEvent, lambdaContext, localDynamoClient, startStsServer } from '@dynamorm/testing'
import { partnerContext } from '../src/index.ts'

type Phase = (request: {
  event: unknown
  context: any
  response: unknown
  error: unknown
  internal: object
}) => unknown

const partnerCount = 100
const partners = Array.from({ length: partnerCount }, (_, i) => ({
  id: `partner-${i}`,
  roleArn: `arn:aws:iam::${String(200_000_000_000 + i)}:role/dynamorm-platform`,
  externalId: `ext-${i}`,
}))
const sts = await startStsServer({ roles: partners })
const registry = Object.fromEntries(
  partners.map((p) => [
    p.id,
    { roleArn: p.roleArn, externalId: p.externalId, region: 'eu-west-1', tablePrefix: `${p.id}-` },
  ]),
)
const events = partners.map((p) => httpApiEvent({ jwtClaims: { partner_id: p.id } }))

const client = dynamoClient({ client: localDynamoClient('http://127.0.0.1:9'), warmup: false })
const makePartnerMiddleware = () =>
  partnerContext({
    partners: registry,
    maxPartners: partnerCount,
    stsClientConfig: {
      endpoint: sts.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'platform', secretAccessKey: 'platform' },
    },
  })

const clientBefore = client.before as Phase
const request = (event: unknown) => {
  const r = { event, context: lambdaContext() as any, response: undefined, error: undefined, internal: {} }
  clientBefore(r)
  return r
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

// Cold: the first request of each partner, one partner at a time.
const cold = makePartnerMiddleware()
const coldBefore = cold.before as Phase
const coldMs: number[] = []
for (let i = 0; i < partnerCount; i++) {
  const r = request(events[i])
  const start = process.hrtime.bigint()
  await coldBefore(r)
  coldMs.push(Number(process.hrtime.bigint() - start) / 1e6)
}

// Warm: the same middleware, every partner cached; batches of requests round-robin over 10 partners.
const batch = 100
const warmUs: number[] = []
for (let round = 0; round < 500; round++) {
  const requests = Array.from({ length: batch }, (_, i) => request(events[i % 10]))
  const start = process.hrtime.bigint()
  for (const r of requests) await coldBefore(r)
  warmUs.push(Number(process.hrtime.bigint() - start) / 1e3 / batch)
}

// STS calls: 1000 requests over 10 partners in 10 concurrent waves of 100, on a fresh middleware.
const fresh = makePartnerMiddleware()
const freshBefore = fresh.before as Phase
const callsBefore = sts.calls()
sts.faults.set({ latencyMs: 20 })
for (let wave = 0; wave < 10; wave++) {
  await Promise.all(Array.from({ length: 100 }, (_, i) => freshBefore(request(events[i % 10]))))
}
const stsCalls = sts.calls() - callsBefore
await sts.close()

console.log(`BENCH partner-switch-warm-us ${median(warmUs).toFixed(2)} us`)
console.log(`BENCH partner-switch-cold-ms ${median(coldMs).toFixed(2)} ms`)
console.log(`BENCH sts-calls-1000req-10partners ${stsCalls} calls`)
