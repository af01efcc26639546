// An import stopped midway by core's BatchInterruptedError (a 500, a refused item, DynamoDB down).
// Core names only the running slice's writes; this says what the whole import did and which rows it
// did not confirm, so a resume imports those alone and never rewrites a row that landed.
import { DynamormError } from '@dynamorm/core'
import type { ImportReport } from './payment-import.ts'

export class ImportInterruptedError extends DynamormError {
  /** The figures so far (`written` rows landed; `rejected` as checked). */
  readonly report: ImportReport
  /** Every valid row not confirmed written, in input order: `importPayments(db, remaining)` resumes. */
  declare readonly remaining: Record<string, unknown>[]
  constructor(report: ImportReport, remaining: Record<string, unknown>[], cause: DynamormError) {
    // Counts only in the message: the rows hold payment values.
    super(
      'ImportInterruptedError',
      cause.status,
      `The import stopped after ${report.written} rows were written; ${remaining.length} remain (stopped by ${cause.name})`,
      { cause, details: { written: report.written, remaining: remaining.length } },
    )
    this.report = report
    // Not enumerable, like core's `unprocessed`: the rows are for resuming, not for a logger to print.
    Object.defineProperty(this, 'remaining', { value: remaining, enumerable: false })
  }
}
