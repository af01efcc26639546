import { describe, expect, it } from 'vitest'
import {
  conditions as c,
  compileCondition,
  compileProjection,
  compileUpdate,
  isDynamormError,
  Placeholders,
} from '../src/index.ts'

const compile = (condition: Parameters<typeof compileCondition>[0]) => {
  const placeholders = new Placeholders()
  const expression = compileCondition(condition, placeholders)
  return { expression, names: placeholders.names, values: placeholders.values }
}

describe('condition compiler', () => {
  it('puts every name and value behind placeholders, hostile names included', () => {
    const { expression, names, values } = compile(
      c.and(
        c.eq('status', 'PAID'),
        c.ne('a.b', 1),
        c.lt('#x', 2),
        c.le(':y', 3),
        c.gt('ünï', 4),
        c.ge(['map', 'inner.key', 0], 5),
      ),
    )
    expect(expression).toBe(
      '(#n0 = :v0) AND (#n1 <> :v1) AND (#n2 < :v2) AND (#n3 <= :v3) AND (#n4 > :v4) AND (#n5.#n6[0] >= :v5)',
    )
    expect(names).toEqual({
      '#n0': 'status',
      '#n1': 'a.b',
      '#n2': '#x',
      '#n3': ':y',
      '#n4': 'ünï',
      '#n5': 'map',
      '#n6': 'inner.key',
    })
    expect(values[':v0']).toEqual({ S: 'PAID' })
    expect(values[':v5']).toEqual({ N: '5' })
  })

  it('compiles every function and boolean operator', () => {
    const { expression } = compile(
      c.or(
        c.between('n', 1, 2),
        c.beginsWith('s', 'pre'),
        c.beginsWith('b', new Uint8Array([1]) as never),
        c.contains('tags', 'x'),
        c.exists('s'),
        c.notExists('s'),
        c.size('s', '>', 3),
        c.attributeType('s', 'S'),
        c.in('s', ['a', 'b']),
        c.not(c.eq('s', 'x')),
        c.and(c.eq('s', 'y')),
      ),
    )
    expect(expression).toBe(
      '(#n0 BETWEEN :v0 AND :v1) OR (begins_with(#n1, :v2)) OR (begins_with(#n2, :v3)) OR (contains(#n3, :v4)) OR ' +
        '(attribute_exists(#n1)) OR (attribute_not_exists(#n1)) OR (size(#n1) > :v5) OR (attribute_type(#n1, :v6)) OR ' +
        '(#n1 IN (:v7, :v8)) OR (NOT (#n1 = :v9)) OR (#n1 = :v10)',
    )
  })

  it('rejects invalid input with ValidationError, never a silently wrong expression', () => {
    const bad = [
      c.eq('', 'x'),
      c.eq('s', undefined as never),
      c.in('s', []),
      c.in(
        's',
        Array.from({ length: 101 }, (_, i) => String(i)),
      ),
      c.and(),
      c.size('s', '>', Number.NaN),
      c.attributeType('s', 'X' as never),
      { op: 'compare', path: 's', comparator: '==', value: 1 },
      { op: 'size', path: 's', comparator: '!', value: 1 },
      { op: 'bogus' },
      c.beginsWith('s', 5 as never),
      c.contains('s', undefined as never),
      { op: 'compare', path: ['s', -1], comparator: '=', value: 1 },
      { op: 'compare', path: [0], comparator: '=', value: 1 },
      { op: 'compare', path: [], comparator: '=', value: 1 },
      c.eq('x'.repeat(70_000), 1),
      c.eq('s', Number.POSITIVE_INFINITY),
    ]
    for (const condition of bad) {
      let caught: unknown
      try {
        compile(condition as never)
      } catch (error) {
        caught = error
      }
      expect(isDynamormError(caught, 'ValidationError'), JSON.stringify(condition).slice(0, 80)).toBe(true)
    }
  })
})

describe('update and projection compilers', () => {
  it('compiles each action into its clause', () => {
    const placeholders = new Placeholders()
    const expression = compileUpdate(
      [
        { action: 'set', path: 'a', value: { S: 'x' } },
        { action: 'setIfNotExists', path: 'b', value: { N: '1' } },
        { action: 'remove', path: 'c' },
        { action: 'add', path: 'd', value: { N: '1' } },
        { action: 'subtract', path: 'e', value: { N: '2' } },
        { action: 'append', path: 'f', value: { L: [] } },
        { action: 'prepend', path: 'g', value: { L: [] } },
        { action: 'deleteFromSet', path: 'h', value: { SS: ['x'] } },
      ],
      placeholders,
    )
    expect(expression).toBe(
      'SET #n0 = :v0, #n1 = if_not_exists(#n1, :v1), #n4 = if_not_exists(#n4, :v3) - :v4, ' +
        '#n5 = list_append(if_not_exists(#n5, :v5), :v6), #n6 = list_append(:v8, if_not_exists(#n6, :v7)) ' +
        'REMOVE #n2 ADD #n3 :v2 DELETE #n7 :v9',
    )
  })

  it('rejects empty updates, overlapping paths and unknown actions', () => {
    expect(() => compileUpdate([], new Placeholders())).toThrow(/at least one/)
    expect(() =>
      compileUpdate(
        [
          { action: 'set', path: ['m', 'a'], value: { S: 'x' } },
          { action: 'remove', path: 'm' },
        ],
        new Placeholders(),
      ),
    ).toThrow(/twice/)
    expect(() => compileUpdate([{ action: 'nope', path: 'a' } as never], new Placeholders())).toThrow(
      /Not an update/,
    )
  })

  it('compiles projections without duplicates and rejects empty ones', () => {
    const placeholders = new Placeholders()
    const projection = compileProjection(['a', 'b.c', 'a', ['m', 0]], placeholders)
    expect(projection).toBe('#n0, #n1, #n2[0]')
    expect(placeholders.attach({ ProjectionExpression: projection })).toEqual({
      ProjectionExpression: projection,
      ExpressionAttributeNames: { '#n0': 'a', '#n1': 'b.c', '#n2': 'm' },
    })
    expect(() => compileProjection([], new Placeholders())).toThrow(/at least one/)
  })

  it('refuses to attach a name or value that no expression uses', () => {
    const placeholders = new Placeholders()
    const a = placeholders.name('a')
    const b = placeholders.name('b')
    const value = placeholders.value({ S: 'x' })
    for (let n = 0; n < 10; n++) placeholders.name(`c${n}`)
    // #n1 is not "used" by #n10, nor :v0 by :v01: tokens match whole.
    const input = { ConditionExpression: `${a} = :v01 OR #n10 = #n11`, TableName: '#n1 :v0' }
    let caught: unknown
    try {
      placeholders.attach(input)
    } catch (error) {
      caught = error
    }
    expect(isDynamormError(caught, 'ValidationError')).toBe(true)
    expect((caught as { details: { unused: string[] } }).details.unused).toEqual([
      b,
      '#n2',
      '#n3',
      '#n4',
      '#n5',
      '#n6',
      '#n7',
      '#n8',
      '#n9',
      value,
    ])
    expect('ExpressionAttributeNames' in input).toBe(false)
    const used = new Placeholders()
    const name = used.name('a')
    const bound = used.value({ N: '1' })
    expect(
      used.attach({ KeyConditionExpression: `${name} = ${bound}`, FilterExpression: undefined }),
    ).toMatchObject({
      ExpressionAttributeNames: { '#n0': 'a' },
      ExpressionAttributeValues: { ':v0': { N: '1' } },
    })
    expect(new Placeholders().attach({ TableName: 't' })).toEqual({ TableName: 't' })
  })
})
