import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { ConditionError } from '../../src/operators/condition-error.js'
import { createLevels, DEFAULT_CLASSIFICATION_LEVELS } from '../../src/environment/classification.js'

describe('createLevels', () => {
  const levels = createLevels(['PUBLIC', 'INTERNAL', 'CONFIDENTIAL', 'RESTRICTED'])

  it('ranks and compares levels', () => {
    expect(levels.rank('PUBLIC')).toBe(0)
    expect(levels.rank('RESTRICTED')).toBe(3)
    expect(levels.compare('INTERNAL', 'CONFIDENTIAL')).toBe(-1)
    expect(levels.compare('INTERNAL', 'INTERNAL')).toBe(0)
    expect(levels.atLeast('CONFIDENTIAL', 'INTERNAL')).toBe(true)
    expect(levels.atLeast('INTERNAL', 'CONFIDENTIAL')).toBe(false)
    expect(levels.atMost('PUBLIC', 'INTERNAL')).toBe(true)
    expect(levels.has('PUBLIC')).toBe(true)
    expect(levels.has('public')).toBe(false)
    expect(levels.levels).toEqual(DEFAULT_CLASSIFICATION_LEVELS)
    expect(Object.isFrozen(levels.levels)).toBe(true)
    expect(createLevels().rank('RESTRICTED')).toBe(3)
  })

  it('an unknown level is a ConditionError, never the lowest level', () => {
    for (const bad of ['SECRET', 'public', '', '__proto__', 'constructor', 'toString', undefined, null, 0, ['PUBLIC']]) {
      expect(() => levels.rank(bad)).toThrow(ConditionError)
      expect(() => levels.atLeast('RESTRICTED', bad)).toThrow(ConditionError)
      expect(() => levels.atMost(bad, 'RESTRICTED')).toThrow(ConditionError)
      expect(levels.has(bad)).toBe(false)
    }
  })

  it('refuses invalid scales', () => {
    for (const bad of [[], ['A', 'A'], ['A', ''], ['A', 1], 'A', null, ['x'.repeat(65)]]) {
      expect(() => createLevels(bad as never)).toThrow(expect.objectContaining({ code: 'invalid_configuration' }) as never)
    }
  })

  it('is a total order consistent with the list positions (property)', () => {
    const names = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 8 })
    fc.assert(
      fc.property(names, fc.nat(), fc.nat(), (list, i, j) => {
        const scale = createLevels(list)
        const a = list[i % list.length] as string
        const b = list[j % list.length] as string
        expect(scale.compare(a, b)).toBe(Math.sign(list.indexOf(a) - list.indexOf(b)))
        expect(scale.atLeast(a, b) || scale.atLeast(b, a)).toBe(true)
        expect(scale.atLeast(a, b) && scale.atMost(a, b)).toBe(a === b)
      }),
    )
  })
})
