// The README's error list names every error the package raises, with its HTTP status.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = new URL('..', import.meta.url).pathname

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [readFileSync(join(dir, entry.name), 'utf8')]
        : [],
  )
}

/** Every `super('Name', status` and `new DynamormError('Name', status` in the sources. */
function raisedErrors(texts: readonly string[]): Map<string, number> {
  const found = new Map<string, number>()
  for (const text of texts) {
    for (const match of text.matchAll(/(?:super|new DynamormError)\(\s*'([A-Za-z]+Error)',\s*(\d{3})/g)) {
      found.set(match[1]!, Number(match[2]))
    }
  }
  return found
}

/** Names missing from the README's Errors section, or listed with another status (the first after it). */
function listProblems(readme: string, errors: Map<string, number>): string[] {
  const section = readme.slice(
    readme.indexOf('## Errors'),
    readme.indexOf('\n## ', readme.indexOf('## Errors') + 1),
  )
  const problems: string[] = []
  for (const [name, status] of errors) {
    const at = section.indexOf(`\`${name}\``)
    if (at < 0) {
      problems.push(`${name} missing`)
      continue
    }
    const listed = /\b(\d{3})\b/.exec(section.slice(at))?.[1]
    if (Number(listed) !== status) problems.push(`${name} listed as ${listed}, raised as ${status}`)
  }
  return problems
}

describe('README error list', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const errors = raisedErrors(sources(join(root, 'src')))

  it('names every error the sources raise, with its status', () => {
    for (const name of [
      'TransactionTooLargeError',
      'CrossAccountTransactionError',
      'TableNotFoundError',
      'RequestAbortedError',
      'ValidationError',
      'UnprocessedItemsError',
    ]) {
      expect(errors.has(name), name).toBe(true)
    }
    expect(errors.get('TableNotFoundError')).toBe(500)
    expect(listProblems(readme, errors)).toEqual([])
  })

  it('would catch a missing name or a wrong status', () => {
    const withoutTableNotFound = readme.replace('`TableNotFoundError` 500', 'table errors 500')
    expect(listProblems(withoutTableNotFound, errors)).toEqual(['TableNotFoundError missing'])
    const wrongStatus = readme.replace('`ThrottledError` 429', '`ThrottledError` 503')
    expect(listProblems(wrongStatus, errors)).toEqual(['ThrottledError listed as 503, raised as 429'])
  })
})
