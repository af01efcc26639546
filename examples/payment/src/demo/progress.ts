// A progress line for slow starts (DynamoDB Local's JVM takes seconds): elapsed time, redrawn in
// place on a terminal, plain lines otherwise.
export interface Progress {
  say(message: string): void
  /** Runs `task` with a ticking "message ... 2.3 s" line. */
  during<T>(message: string, task: Promise<T>): Promise<T>
}

export function progress(
  write: (text: string) => void = (text) => process.stdout.write(text),
  tty = process.stdout.isTTY === true,
): Progress {
  return {
    say: (message) => write(`  ${message}\n`),
    async during(message, task) {
      const started = Date.now()
      const line = () => `  ${message} ... ${((Date.now() - started) / 1000).toFixed(1)} s`
      const timer = tty ? setInterval(() => write(`\r${line()}`), 100) : undefined
      if (!tty) write(`  ${message} ...\n`)
      try {
        return await task
      } finally {
        clearInterval(timer)
        if (tty) write(`\r${line()}\n`)
      }
    },
  }
}
