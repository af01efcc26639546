import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stepLine, storyReport } from '../src/demo/report.ts'
import { isAlive, runDemo } from '../src/demo/run-demo.ts'
import { runPaymentStory, type StoryResult } from '../src/demo/story.ts'
import type { LocalStack } from '../src/local-stack.ts'
import { partnerName, testStack } from './fixtures.ts'

let stack: LocalStack
let result: StoryResult
const seen: string[] = []

beforeAll(async () => {
  stack = await testStack()
  result = await runPaymentStory(stack, {
    partners: [partnerName('story-a'), partnerName('story-b')],
    onStep: (step) => seen.push(step.title),
  })
})
afterAll(() => stack.stop())

describe('the demo story', () => {
  it('behaves as scripted at every step', () => {
    const actual = Object.fromEntries(result.steps.map((step) => [step.title, step.actual]))
    expect(actual).toMatchObject({
      'create a payment (partner A)': '201',
      'retry the same request': '201 replayed',
      'same key, another amount': '422',
      "partner B reads A's payment, forging A's id": '404',
      'capture (partner A)': '200 captured',
      'partial refund of 400': '201 partially_refunded',
      'refund more than is left': '422',
      'list authorized, limit 1, then the next page': '200, 200',
      'payments with this card (beacon GSI)': '200, 3 payments',
      "verify A's audit chain": 'valid',
      'edit an audit entry in DynamoDB, verify': 'tampering detected',
    })
    expect(actual['5 concurrent duplicates']).toMatch(/^1 ran, \d x 409 in flight, \d replayed$/)
    for (const step of result.steps) expect(step, step.title).toMatchObject({ ok: true })
    expect(result.ok).toBe(true)
    expect(seen).toEqual(result.steps.map((step) => step.title))
  })

  it('counts the calls to STS, KMS and DynamoDB, and the capacity and cost', () => {
    // One AssumeRole per partner: credentials are cached for the container.
    expect(result.calls.sts).toBe(2)
    expect(result.calls.kms.GenerateDataKey).toBeGreaterThanOrEqual(1)
    expect(result.calls.dynamo.TransactWriteItems).toBeGreaterThanOrEqual(5)
    expect(result.capacity.writeCapacityUnits).toBeGreaterThan(0)
    expect(result.costUsd).toBeGreaterThan(0)
    expect(result.auditBefore.verification.valid).toBe(true)
    expect(result.auditAfter.verification.problems[0]?.kind).toBe('modified')
  })

  it('prints a report that says what happened', () => {
    const text = storyReport(result).join('\n')
    expect(text).toContain('STS AssumeRole 2')
    expect(text).toContain('TAMPERED: 1 problem(s)')
    expect(text).toContain(`All ${result.steps.length} steps behaved as expected.`)
    expect(text).not.toContain('4111111111111111')
    expect(stepLine({ ...result.steps[0]!, ok: false }, 0)).toMatch(/^FAIL {2}1\. /)
    const failed = storyReport({ ...result, ok: false, steps: [{ ...result.steps[0]!, ok: false }] }).join(
      '\n',
    )
    expect(failed).toContain('1 step(s) did not behave as expected.')
  })
})

describe('pnpm demo', () => {
  it('runs end to end on its own DynamoDB Local, exits 0 and leaves no JVM behind', async () => {
    let output = ''
    const code = await runDemo({ write: (text) => (output += text), tty: false })
    expect(output).toContain('All 12 steps behaved as expected.')
    expect(code).toBe(0)
    const pid = Number(/pid (\d+) gone/.exec(output)?.[1])
    expect(pid).toBeGreaterThan(0)
    expect(isAlive(pid)).toBe(false)
    expect(isAlive(process.pid)).toBe(true)
  }, 120_000)

  it('says why it stopped and exits 1, leaving no JVM behind, when DynamoDB Local dies midway', async () => {
    let output = ''
    let jvm = 0
    const code = await runDemo({
      write: (text) => {
        output += text
        jvm ||= Number(/ready at \S+ \(pid (\d+)\)/.exec(text)?.[1] ?? 0)
        // DynamoDB Local gone after the first step: a dependency down in the middle of the story.
        if (/^\S+ +1\. /.test(text)) process.kill(jvm, 'SIGKILL')
      },
      tty: false,
    })
    expect(code).toBe(1)
    expect(output).toMatch(/^The demo stopped: \w+: .+$/m)
    expect(output).not.toContain('    at ')
    expect(output).toContain(`(pid ${jvm} gone)`)
    expect(isAlive(jvm)).toBe(false)
  }, 120_000)
})
