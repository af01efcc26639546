// `pnpm demo`: start everything locally, run the story, print the report, stop everything, and check
// that DynamoDB Local's JVM is really gone.
import { type LocalStack, startLocalStack } from '../local-stack.ts'
import { progress } from './progress.ts'
import { stepHeader, stepLine, storyReport } from './report.ts'
import { runPaymentStory } from './story.ts'

export interface DemoOutput {
  write(text: string): void
  tty?: boolean
}

/** Runs the demo; resolves to the process exit code (0 when every step behaved as expected). */
export async function runDemo(
  output: DemoOutput = { write: (text) => process.stdout.write(text) },
): Promise<number> {
  const show = progress(output.write, output.tty ?? process.stdout.isTTY === true)
  output.write('DynamORM payment demo\n')
  let stack: LocalStack | undefined
  let ok = false
  try {
    stack = await startLocalStack({ onProgress: show.say, waitFor: show.during })
    let index = 0
    const result = await runPaymentStory(stack, {
      onStep: (step) => {
        if (index === 0) output.write(`\n${stepHeader}\n`)
        output.write(`${stepLine(step, index++)}\n`)
      },
    })
    for (const line of storyReport(result)) output.write(`${line}\n`)
    ok = result.ok
  } catch (error) {
    // One line, not Node's dump of the error: an SDK error's dump holds the request, signed headers included.
    output.write(`\nThe demo stopped: ${whatStopped(error)}\n`)
  } finally {
    await stack?.stop()
  }
  const pid = stack?.dynamoPid
  const alive = pid !== undefined && isAlive(pid)
  output.write(
    alive
      ? `DynamoDB Local (pid ${pid}) is still running!\n`
      : `Stopped DynamoDB Local${pid === undefined ? '' : ` (pid ${pid} gone)`}, STS, KMS and the proxy.\n`,
  )
  return ok && !alive ? 0 : 1
}

function whatStopped(error: unknown): string {
  const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) }
  return `${name}: ${message.split('\n')[0]}`
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
