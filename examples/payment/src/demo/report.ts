// The demo's printed report: one line per step, then the services' call counts, capacity and cost.
import { entryLine, verdictLines } from '../audit-report.ts'
import type { StoryResult, StoryStep } from './story.ts'

const pad = (text: string, width: number) =>
  text.length >= width ? text : text + ' '.repeat(width - text.length)

export function stepLine(step: StoryStep, index: number): string {
  const mark = step.ok ? 'ok  ' : 'FAIL'
  const latency = `${step.latencyMs.toFixed(1)} ms`
  return `${mark} ${String(index + 1).padStart(2)}. ${pad(step.title, 46)} ${pad(step.actual, 34)} ${latency.padStart(9)}  ddb ${String(step.dynamoCalls).padStart(2)}  $${step.costUsd.toFixed(8)}${step.note ? `  ${step.note}` : ''}`
}

export const stepHeader = `     #   ${pad('step', 46)} ${pad('status', 34)}   latency  DynamoDB calls, cost, notes`

export function storyReport(result: StoryResult): string[] {
  const [a, b] = result.partners
  const lines = [
    '',
    `Partners ${a} (A) and ${b} (B), each with its own account, role, tables and KMS key.`,
    '',
    `Calls  STS AssumeRole ${result.calls.sts}  |  KMS ${Object.entries(result.calls.kms)
      .map(([operation, count]) => `${operation} ${count}`)
      .join(', ')}`,
    `       DynamoDB ${Object.entries(result.calls.dynamo)
      .map(([operation, count]) => `${operation} ${count}`)
      .join(', ')}  (counted by the proxy in front of DynamoDB Local)`,
    `Consumed capacity of the API requests: ${result.capacity.readCapacityUnits} RCU, ${result.capacity.writeCapacityUnits} WCU` +
      `  ->  estimated $${result.costUsd.toFixed(8)} on demand (us-east-1 list prices)`,
    '',
    `Audit trail of ${a} (last entries), after tampering:`,
    ...result.auditAfter.entries.slice(-4).map((entry) => `  ${entryLine(entry)}`),
    ...verdictLines(result.auditAfter.verification).map((line) => `  ${line}`),
    '',
    result.ok
      ? `All ${result.steps.length} steps behaved as expected.`
      : `${result.steps.filter((step) => !step.ok).length} step(s) did not behave as expected.`,
  ]
  return lines
}
