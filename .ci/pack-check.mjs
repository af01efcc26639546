// Release check: packs every publishable package (after `pnpm build`) and verifies what a user would
// install: built entry points and types for every export, README and LICENSE, no sources or tests, and an
// exports map without the workspace-only "source" condition.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const destination = mkdtempSync(join(tmpdir(), 'dynamorm-pack-'))
const problems = []

for (const name of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', name)
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  if (manifest.private) continue
  const output = execFileSync('pnpm', ['pack', '--pack-destination', destination], {
    cwd: dir,
    encoding: 'utf8',
  })
  const tarball = output.trim().split('\n').at(-1)
  const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n')
  const packed = JSON.parse(
    execFileSync('tar', ['xzf', tarball, '-O', 'package/package.json'], { encoding: 'utf8' }),
  )
  const has = (path) => files.includes(`package/${path.replace(/^\.\//, '')}`)
  for (const required of ['README.md', 'LICENSE', 'package.json']) {
    if (!has(required)) problems.push(`${manifest.name}: ${required} missing from the tarball`)
  }
  for (const [subpath, conditions] of Object.entries(packed.exports ?? {})) {
    if ('source' in conditions)
      problems.push(`${manifest.name}: export ${subpath} keeps the "source" condition`)
    for (const target of [conditions.types, conditions.default]) {
      if (!target || !has(target))
        problems.push(`${manifest.name}: export ${subpath} points at ${target}, not packed`)
    }
  }
  const stray = files.filter((file) => /^package\/(src|test|bench)\//.test(file))
  if (stray.length > 0) problems.push(`${manifest.name}: packs ${stray.length} source/test files`)
  if (
    packed.dependencies &&
    Object.values(packed.dependencies).some((range) => range.startsWith('workspace:'))
  ) {
    problems.push(`${manifest.name}: workspace: ranges left in dependencies`)
  }
  console.log(`pack ${manifest.name}@${packed.version}: ${files.length} files`)
}

if (problems.length > 0) {
  console.error(problems.join('\n'))
  process.exit(1)
}
console.log('pack-check: every package packs clean')
