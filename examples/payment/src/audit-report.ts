// The audit report: a partner's whole trail, entry by entry in chain order, and the verifier's verdict.
// `scripts/audit-report.ts` prints it; the demo prints it before and after tampering.
import { type AuditEntry, type ChainVerification, exportJsonLines, verifyAuditChain } from '@dynamorm/audit'
import type { Db } from '@dynamorm/core'

export interface AuditReportOptions {
  /** A Db on the partner's tables (its credentials and table prefix). */
  db: Db
  partnerId: string
  /** Logical audit table name (default 'audit'). */
  table?: string
  /** Shards always read (default 64); every other shard holding an entry is found too, so a low count is safe. */
  shards?: number
}

export interface AuditReport {
  entries: AuditEntry[]
  verification: ChainVerification
}

export async function auditReport(options: AuditReportOptions): Promise<AuditReport> {
  const entries: AuditEntry[] = []
  for await (const line of exportJsonLines(options)) entries.push(JSON.parse(line) as AuditEntry)
  const verification = await verifyAuditChain(options)
  return { entries, verification }
}

/** One line per entry: where it sits in the chain, when, who, what, and the outcome. */
export function entryLine(entry: AuditEntry): string {
  const outcome = entry.outcome === 'success' ? 'ok' : `failed: ${entry.outcome.failure}`
  const cost = entry.cost === null ? '' : ` $${entry.cost.total.toFixed(8)}`
  return `shard ${entry.chain.shard} #${entry.chain.seq}  ${entry.timestamp}  ${entry.actor}  ${entry.action} ${entry.entity} ${JSON.stringify(entry.key)}  ${outcome}${cost}`
}

export function verdictLines(verification: ChainVerification): string[] {
  if (verification.valid) {
    return [
      `VALID: ${verification.entries} entries in ${verification.shards} shard(s), every hash and link checks out`,
    ]
  }
  return [
    `TAMPERED: ${verification.problems.length} problem(s) in ${verification.entries} entries`,
    ...verification.problems.map(
      (problem) =>
        `  ${problem.kind} at shard ${problem.shard} position ${problem.position}: ${problem.detail}`,
    ),
  ]
}

export function reportLines(report: AuditReport, partnerId: string): string[] {
  return [
    `Audit trail of partner ${partnerId}: ${report.entries.length} entries`,
    ...report.entries.map(entryLine),
    ...verdictLines(report.verification),
  ]
}

/** Reads `--name value` pairs; unknown flags and missing values are errors (a CLI, not a guess). */
export function parseFlags(argv: readonly string[], known: readonly string[]): Record<string, string> {
  const flags: Record<string, string> = {}
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!
    if (arg === '--') continue
    const name = arg.startsWith('--') ? arg.slice(2) : undefined
    const value = argv[index + 1]
    if (name === undefined || !known.includes(name)) throw new Error(`unknown argument ${arg}`)
    if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value`)
    flags[name] = value
    index++
  }
  return flags
}
