import { spawn } from 'node:child_process'
import { chmod, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { ListTablesCommand } from '@aws-sdk/client-dynamodb'
import { describe, expect, inject, it } from 'vitest'
import {
  DynamoDbLocalStartError,
  JavaNotFoundError,
  localDynamoClient,
  startDynamoDbLocal,
} from '../src/index.ts'
import { parseJavaMajorVersion } from '../src/java-version-check.ts'
import { processRunning, waitUntilGone } from './process-liveness.ts'

async function fakeJava(script: string): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'fake-java-'))
  const path = join(directory, 'java')
  await writeFile(path, `#!/bin/sh\n${script}\n`)
  await chmod(path, 0o755)
  return path
}

const java17Banner =
  'if [ "$1" = "-version" ]; then echo \'openjdk version "17.0.15" 2025-04-15\' >&2; exit 0; fi'

async function portAnswers(port: number): Promise<boolean> {
  try {
    await fetch(`http://127.0.0.1:${port}`, { signal: AbortSignal.timeout(1_000) })
    return true
  } catch {
    return false
  }
}

describe('global setup', () => {
  it('provides the endpoint of a running DynamoDB Local', async () => {
    const endpoint = inject('dynamoEndpoint')
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const result = await localDynamoClient(endpoint).send(new ListTablesCommand({}))
    expect(result.TableNames).toBeInstanceOf(Array)
  })
})

describe('startDynamoDbLocal', () => {
  it('shares tables across access keys and regions, and stop() kills the JVM', async () => {
    const dynamoDbLocal = await startDynamoDbLocal()
    expect(dynamoDbLocal.endpoint).toBe(`http://127.0.0.1:${dynamoDbLocal.port}`)
    const first = localDynamoClient(dynamoDbLocal.endpoint)
    const second = localDynamoClient(dynamoDbLocal.endpoint, {
      region: 'eu-west-1',
      credentials: { accessKeyId: 'other', secretAccessKey: 'other' },
    })
    const { createTestTable } = await import('../src/index.ts')
    const table = await createTestTable(first)
    const seen = await second.send(new ListTablesCommand({}))
    expect(seen.TableNames).toContain(table.name)

    expect(processRunning(dynamoDbLocal.pid)).toBe(true)
    await dynamoDbLocal.stop()
    expect(processRunning(dynamoDbLocal.pid)).toBe(false)
    expect(await portAnswers(dynamoDbLocal.port)).toBe(false)
    await dynamoDbLocal.stop() // idempotent
  })

  async function startInChildProcess() {
    const script = fileURLToPath(new URL('./fixtures/start-dynamo-db-local-child.ts', import.meta.url))
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] })
    const firstLine = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve)
      child.once('exit', (code) => reject(new Error(`child exited early with ${code}`)))
    })
    const { pid, port } = JSON.parse(firstLine) as { pid: number; port: number }
    expect(processRunning(pid)).toBe(true)
    expect(await portAnswers(port)).toBe(true)
    return { child, pid, port }
  }

  it('kills DynamoDB Local within seconds when the parent node process is SIGKILLed', async () => {
    const { child, pid, port } = await startInChildProcess()
    child.kill('SIGKILL') // no handler runs: only the watchdog can clean up
    expect(await waitUntilGone(pid, 10_000)).toBe(true)
    expect(await portAnswers(port)).toBe(false)
  })

  it('kills DynamoDB Local when the parent gets SIGTERM, and the parent still terminates', async () => {
    const { child, pid } = await startInChildProcess()
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    )
    child.kill('SIGTERM')
    expect(await exited).toBe('SIGTERM')
    expect(await waitUntilGone(pid, 2_000)).toBe(true)
  })

  it('throws JavaNotFoundError when java is not on PATH', async () => {
    const originalPath = process.env.PATH
    process.env.PATH = await mkdtemp(join(tmpdir(), 'no-java-'))
    try {
      const error = await startDynamoDbLocal().catch((caught: unknown) => caught)
      expect(error).toBeInstanceOf(JavaNotFoundError)
      expect((error as Error).name).toBe('JavaNotFoundError')
      expect((error as Error).message).toContain('Java >= 17')
      expect((error as Error).message).toContain('apt-get install default-jre-headless')
    } finally {
      process.env.PATH = originalPath
    }
  })

  it('throws JavaNotFoundError for a missing javaCommand, a failing one and a too old one', async () => {
    await expect(startDynamoDbLocal({ javaCommand: '/nonexistent/bin/java' })).rejects.toMatchObject({
      name: 'JavaNotFoundError',
      message: expect.stringContaining('not found'),
    })
    await expect(startDynamoDbLocal({ javaCommand: await fakeJava('exit 1') })).rejects.toMatchObject({
      name: 'JavaNotFoundError',
    })
    const java8 = await fakeJava('echo \'openjdk version "1.8.0_392"\' >&2')
    await expect(startDynamoDbLocal({ javaCommand: java8 })).rejects.toMatchObject({
      name: 'JavaNotFoundError',
      message: expect.stringContaining('found Java 8'),
    })
  })

  it('reports a JVM that exits before answering, with its output', async () => {
    const crashing = await fakeJava(`${java17Banner}\necho 'Address already in use' >&2; exit 3`)
    const error = await startDynamoDbLocal({ javaCommand: crashing }).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(DynamoDbLocalStartError)
    expect((error as Error).message).toContain('Address already in use')
  })

  it('gives up after startTimeoutMs and kills the silent process', async () => {
    const silent = await fakeJava(`${java17Banner}\nexec sleep 60`)
    const error = await startDynamoDbLocal({ javaCommand: silent, startTimeoutMs: 300 }).catch(
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(DynamoDbLocalStartError)
    expect((error as Error).message).toContain('did not answer')
  })
})

describe('parseJavaMajorVersion', () => {
  it('reads modern and legacy version banners', () => {
    expect(parseJavaMajorVersion('openjdk version "17.0.15" 2025-04-15')).toBe(17)
    expect(parseJavaMajorVersion('java version "21" 2023-09-19')).toBe(21)
    expect(parseJavaMajorVersion('java version "1.8.0_392"')).toBe(8)
    expect(parseJavaMajorVersion('something else')).toBeUndefined()
  })
})
