// Progress on stderr, so stdout keeps only the report; updated after every BatchWriteItem call. On a terminal: one line redrawn in place. Piped
// or in CI: a plain line at every tenth, since carriage returns would pile up in a log.
import type { ImportProgress } from './payment-import.ts'

export interface ProgressStream {
  write(text: string): unknown
  isTTY?: boolean
  columns?: number
}

export interface ProgressBar {
  update(progress: ImportProgress): void
  /** Ends the bar's line (terminal) so what follows starts on a fresh one. */
  finish(): void
}

const BAR_WIDTH = 30

export function progressBar(stream: ProgressStream = process.stderr, label = 'import'): ProgressBar {
  const tty = stream.isTTY === true
  let lastTenth = -1
  let drawn = false
  return {
    update({ done, total, written, retries, throttled }) {
      const fraction = total === 0 ? 1 : done / total
      const percent = Math.floor(fraction * 100)
      if (tty) {
        const filled = Math.round(fraction * BAR_WIDTH)
        const bar = `${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}`
        const line = `${label} [${bar}] ${String(percent).padStart(3)}% ${done}/${total} written ${written} retries ${retries} throttled ${throttled}`
        // Clear to the end of the line: the previous draw may have been longer.
        stream.write(`\r${line.slice(0, (stream.columns ?? 120) - 1)}\u001b[K`)
        drawn = true
        return
      }
      const tenth = Math.floor(fraction * 10)
      if (tenth > lastTenth) {
        lastTenth = tenth
        stream.write(
          `${label} ${percent}% (${done}/${total}) written ${written} retries ${retries} throttled ${throttled}\n`,
        )
      }
    },
    finish() {
      if (tty && drawn) stream.write('\n')
    },
  }
}
