import { describe, expect, it } from 'vitest'
import { definedOptions } from '../src/index.ts'

describe('definedOptions', () => {
  it('drops undefined fields so spreading over defaults keeps the defaults', () => {
    const defaults = { retries: 3, name: 'x' }
    expect({ ...defaults, ...definedOptions({ retries: undefined, name: 'y' }) }).toEqual({
      retries: 3,
      name: 'y',
    })
    expect(definedOptions({ zero: 0, empty: '', none: null })).toEqual({ zero: 0, empty: '', none: null })
  })
})
