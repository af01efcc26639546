import { type ChildProcess, spawn } from 'node:child_process'
import type { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { locateDynamoDbLocalJar } from './dynamo-db-local-jar.ts'
import { answersListTables } from './dynamo-db-local-readiness.ts'
import { DynamoDbLocalStartError } from './dynamo-db-local-start-error.ts'
import { forgetOnExit, killOnExit, killProcessGroup } from './exit-cleanup.ts'
import { findFreePort } from './free-port.ts'
import { JavaNotFoundError } from './java-not-found-error.ts'
import { assertJavaAvailable } from './java-version-check.ts'
import { parentWatchdogScript } from './parent-watchdog-script.ts'

export interface StartDynamoDbLocalOptions {
  /** Port on 127.0.0.1; a free one is picked when omitted. */
  port?: number
  /** How long to wait for the first answered request (default 30000). */
  startTimeoutMs?: number
  /** The java binary (default `java` from PATH). */
  javaCommand?: string
}

export interface DynamoDbLocal {
  /** `http://127.0.0.1:PORT` */
  endpoint: string
  port: number
  /** The JVM's pid (also its process group id); no such process after stop(). */
  pid: number
  stop(): Promise<void>
}

const pollIntervalMs = 100
const outputTailChars = 4_096

/**
 * Starts an in-memory DynamoDB Local (one database shared by all access keys and regions) and
 * resolves once it answers ListTables. The JVM dies with this process: stop(), exit and signal
 * handlers kill it, and a watchdog shell kills it within a second if this process is SIGKILLed.
 */
export async function startDynamoDbLocal(options: StartDynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const javaCommand = options.javaCommand ?? 'java'
  const startTimeoutMs = options.startTimeoutMs ?? 30_000
  await assertJavaAvailable(javaCommand)
  const port = options.port ?? (await findFreePort())
  const jar = locateDynamoDbLocalJar()
  const java = spawn(
    javaCommand,
    [
      `-Djava.library.path=${jar.nativeLibraryPath}`,
      '-jar',
      jar.jarPath,
      '-inMemory',
      '-sharedDb',
      '-port',
      String(port),
    ],
    // Own process group, so one kill reaches the JVM and anything it forks.
    { cwd: jar.directory, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const pid = await new Promise<number>((resolve, reject) => {
    java.once('spawn', () => resolve(java.pid!))
    java.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new JavaNotFoundError(javaCommand, 'not found') : error),
    )
  })
  // Not killed by us: it exits within a second of the JVM (or this process) being gone, which
  // lets it reap its own `sleep` instead of leaving it to an init that may never reap.
  const watchdog = spawn(
    'sh',
    ['-c', parentWatchdogScript, 'dynamodb-local-watchdog', String(process.pid), String(pid)],
    {
      detached: true,
      stdio: 'ignore',
    },
  )
  killOnExit(pid)

  const output = collectOutputTail(java)
  let hasExited = false
  const exited = new Promise<void>((resolve) =>
    java.once('exit', () => {
      hasExited = true
      resolve()
    }),
  )
  // Neither child may keep the event loop alive; stop() or the exit handlers end them.
  for (const child of [java, watchdog]) child.unref()
  unrefStream(java.stdout)
  unrefStream(java.stderr)

  const endpoint = `http://127.0.0.1:${port}`
  const stop = async (): Promise<void> => {
    if (!hasExited) {
      java.ref() // hold the event loop until the exit (and reaping) is observed
      killProcessGroup(pid)
      await exited
    }
    forgetOnExit(pid)
  }

  const deadline = Date.now() + startTimeoutMs
  for (;;) {
    if (hasExited) {
      await stop()
      throw new DynamoDbLocalStartError(
        `DynamoDB Local exited before answering on port ${port} (exit code ${java.exitCode}): ${output()}`,
      )
    }
    if (await answersListTables(endpoint)) break
    if (Date.now() > deadline) {
      await stop()
      throw new DynamoDbLocalStartError(
        `DynamoDB Local did not answer on ${endpoint} within ${startTimeoutMs} ms: ${output()}`,
      )
    }
    await sleep(pollIntervalMs)
  }
  return { endpoint, port, pid, stop }
}

function unrefStream(stream: Readable | null): void {
  ;(stream as unknown as { unref?: () => void } | null)?.unref?.()
}

/** Keeps the last few KB of the JVM's output for error messages (and keeps the pipes drained). */
function collectOutputTail(child: ChildProcess): () => string {
  let tail = ''
  const append = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-outputTailChars)
  }
  child.stdout?.on('data', append)
  child.stderr?.on('data', append)
  return () => tail.trim() || '(no output)'
}
