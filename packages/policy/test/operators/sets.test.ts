import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { ConditionError } from '../../src/operators/condition-error.js'
import { contains, containsAll, containsAny, intersects, isIn, isNotIn, subsetOf } from '../../src/operators/sets.js'

describe('set operators', () => {
  it('isIn / isNotIn / contains use value equality of one type', () => {
    expect(isIn('eu', ['eu', 'us'])).toBe(true)
    expect(isIn('apac', ['eu', 'us'])).toBe(false)
    expect(isNotIn('apac', ['eu', 'us'])).toBe(true)
    expect(isIn(2, [1, 2, 3])).toBe(true)
    expect(isIn(true, [false])).toBe(false)
    expect(contains(['finance', 'audit'], 'audit')).toBe(true)
    expect(isIn('x', [])).toBe(false)
    expect(isNotIn('x', [])).toBe(true)
  })

  it('containsAny / containsAll / subsetOf / intersects', () => {
    expect(containsAny(['a', 'b'], ['z', 'b'])).toBe(true)
    expect(containsAny(['a', 'b'], ['z'])).toBe(false)
    expect(containsAll(['read', 'write'], ['read'])).toBe(true)
    expect(containsAll(['read'], ['read', 'write'])).toBe(false)
    expect(subsetOf(['read'], ['read', 'write'])).toBe(true)
    expect(subsetOf(['admin'], ['read', 'write'])).toBe(false)
    expect(intersects([1, 2], [2, 3])).toBe(true)
    expect(intersects([1, 2], [3])).toBe(false)
  })

  it('follows the IAM edge cases for empty sets', () => {
    expect(containsAny(['a'], [])).toBe(false)
    expect(containsAll(['a'], [])).toBe(true)
    expect(subsetOf([], ['a'])).toBe(true)
    expect(subsetOf([], [])).toBe(true)
    expect(intersects([], ['a'])).toBe(false)
  })

  it.each([
    ['a string against numbers', () => isIn('10', [10, 20])],
    ['a number against strings', () => isNotIn(10, ['10'])],
    ['a mixed list', () => contains(['a', 1], 'a')],
    ['NaN', () => isIn(NaN, [NaN])],
    ['null', () => isIn(null, [null])],
    ['undefined', () => isNotIn(undefined, ['a'])],
    ['an object element', () => containsAny([{}], [{}])],
    ['a nested array', () => containsAll([['a']], [['a']])],
    ['a non-array list', () => isIn('a', 'abc')],
    ['a non-array values', () => containsAny(['a'], 'a')],
    ['an object posing as array', () => subsetOf({ length: 1, 0: 'a' }, ['a'])],
    ['__proto__ lookups', () => intersects(JSON.parse('{"__proto__": ["a"]}'), ['a'])],
  ])('throws a ConditionError for %s (never a silent false or true)', (_label, run) => {
    expect(run).toThrow(ConditionError)
  })

  it('treats "__proto__" and "constructor" as ordinary strings', () => {
    expect(isIn('__proto__', ['a'])).toBe(false)
    expect(isIn('constructor', ['constructor'])).toBe(true)
    expect(containsAny(['toString'], ['__proto__'])).toBe(false)
  })

  it('stays linear on large request-supplied arrays', () => {
    const big = Array.from({ length: 200_000 }, (_, i) => `v${i}`)
    // A quadratic scan would make 4 x 10^10 comparisons here (minutes); a linear one takes
    // milliseconds. The bound is loose on purpose: it must hold on a loaded CI machine.
    const start = Date.now()
    expect(containsAll(big, big)).toBe(true)
    expect(Date.now() - start).toBeLessThan(15_000)
  })

  const strings = fc.array(fc.string({ maxLength: 3 }), { maxLength: 12 })

  it('agrees with naive array references (property)', () => {
    fc.assert(
      fc.property(strings, strings, fc.string({ maxLength: 3 }), (a, b, v) => {
        expect(isIn(v, a)).toBe(a.includes(v))
        expect(isNotIn(v, a)).toBe(!a.includes(v))
        expect(containsAny(a, b)).toBe(b.some((x) => a.includes(x)))
        expect(containsAll(a, b)).toBe(b.every((x) => a.includes(x)))
        expect(subsetOf(b, a)).toBe(containsAll(a, b))
        expect(intersects(a, b)).toBe(intersects(b, a))
        expect(intersects(a, b)).toBe(containsAny(a, b))
      }),
    )
  })

  it('subsetOf is reflexive and transitive (property)', () => {
    fc.assert(
      fc.property(strings, strings, strings, (a, b, c) => {
        expect(subsetOf(a, a)).toBe(true)
        if (subsetOf(a, b) && subsetOf(b, c)) expect(subsetOf(a, c)).toBe(true)
      }),
    )
  })
})
