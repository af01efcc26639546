import { execFile } from 'node:child_process'
import { JavaNotFoundError } from './java-not-found-error.ts'

const minimumJavaMajor = 17

/**
 * Runs `java -version` up front: behind the `sh` watchdog a missing java would only show up
 * as an exit code 127, so this is where ENOENT and too-old versions become one clear error.
 */
export async function assertJavaAvailable(javaCommand: string): Promise<void> {
  const output = await new Promise<string>((resolve, reject) => {
    execFile(javaCommand, ['-version'], { timeout: 15_000 }, (error, stdout, stderr) => {
      if (error) {
        const code = (error as NodeJS.ErrnoException).code
        reject(new JavaNotFoundError(javaCommand, code === 'ENOENT' ? 'not found' : error.message.trim()))
        return
      }
      resolve(`${stderr}${stdout}`)
    })
  })
  const major = parseJavaMajorVersion(output)
  if (major !== undefined && major < minimumJavaMajor) {
    throw new JavaNotFoundError(javaCommand, `found Java ${major}`)
  }
}

/** `version "17.0.15"` -> 17, `version "1.8.0_392"` -> 8; undefined when the banner is unfamiliar. */
export function parseJavaMajorVersion(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput)
  if (!match) return undefined
  const first = Number(match[1])
  return first === 1 && match[2] !== undefined ? Number(match[2]) : first
}
