import { describe, expect, it } from 'vitest'
import { importErrorCode, retryableOnce } from '../src/index.ts'

describe('retryableOnce', () => {
  it('shares one run between concurrent callers and remembers its result', async () => {
    let runs = 0
    const load = retryableOnce(async () => {
      runs += 1
      return { runs }
    })
    const [first, second] = await Promise.all([load(), load()])
    expect(first).toBe(second)
    expect(await load()).toBe(first)
    expect(runs).toBe(1)
  })

  it('does not remember a failure: the next caller runs it again', async () => {
    let runs = 0
    const load = retryableOnce(async () => {
      runs += 1
      if (runs === 1) throw new Error('first import failed')
      return runs
    })
    await expect(load()).rejects.toThrow('first import failed')
    expect(await load()).toBe(2)
    expect(await load()).toBe(2)
    expect(runs).toBe(2)
  })
})

describe('importErrorCode', () => {
  it('gives the code of an import error, never its message', () => {
    const error = Object.assign(new Error("Cannot find package '/var/task/node_modules/x'"), {
      code: 'ERR_MODULE_NOT_FOUND',
    })
    expect(importErrorCode(error)).toBe('ERR_MODULE_NOT_FOUND')
  })

  it('falls back to a fixed text for anything else', () => {
    expect(importErrorCode(new Error('boom'))).toBe('import failed')
    expect(importErrorCode({ code: 'not a code /etc/passwd' })).toBe('import failed')
    expect(importErrorCode(null)).toBe('import failed')
  })
})
