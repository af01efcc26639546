// The audit report against the local stack: whatever `--shards` says, it lists and verifies every shard
// of the partner's trail, so a count lower than the writers' cannot produce a false VALID.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { auditReport, reportLines } from '../src/audit-report.ts'
import type { LocalStack } from '../src/local-stack.ts'
import { order, partnerName, send, testStack } from './fixtures.ts'

let stack: LocalStack
const partner = partnerName('report')

beforeAll(async () => {
  stack = await testStack(() => {})
  await stack.registerPartner(partner)
})
afterAll(() => stack.stop())

it('reads and verifies every shard of the trail with --shards lower than the trail was written with', async () => {
  // Requests in flight together each lease their own shard of the 64: at most one of them is shard 0.
  const answers = await Promise.all(
    Array.from({ length: 4 }, (_, i) =>
      send(stack, partner, 'POST', '/payments', { body: order(), key: `report-${i}` }),
    ),
  )
  expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201, 201])
  const report = await auditReport({ db: stack.partnerDb(partner), partnerId: partner, shards: 1 })
  expect(new Set(report.entries.map((entry) => entry.chain.shard)).size).toBe(4)
  expect(report.verification).toMatchObject({ valid: true, entries: 4, shards: 4, problems: [] })
  expect(reportLines(report, partner).at(-1)).toBe(
    'VALID: 4 entries in 4 shard(s), every hash and link checks out',
  )
})
