// The final report, for people: what landed, what did not and why, what it took and what it cost.
import type { ImportReport } from './payment-import.ts'

export function formatReport(report: ImportReport): string[] {
  const rate = report.elapsedMs > 0 ? Math.round((report.written / report.elapsedMs) * 1000) : 0
  const lines = [
    `rows             ${report.rows}`,
    `written          ${report.written}`,
    `rejected         ${report.rejected.length}`,
    `unprocessed      ${report.unprocessed}`,
    `batch calls      ${report.batchCalls} (${report.throttled} throttled, ${report.retries} retries)`,
    `write capacity   ${report.writeCapacityUnits} WCU`,
    `estimated cost   $${report.costUsd.toFixed(6)} on demand (us-east-1)`,
    `elapsed          ${(report.elapsedMs / 1000).toFixed(1)} s (${rate} payments/s)`,
  ]
  for (const { row, reason } of report.rejected.slice(0, 10)) lines.push(`  row ${row}: ${reason}`)
  if (report.rejected.length > 10) lines.push(`  ... and ${report.rejected.length - 10} more`)
  return lines
}
