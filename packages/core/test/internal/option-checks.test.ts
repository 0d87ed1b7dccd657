import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { integerOption, numberOption, optionsObject } from '@portcullis/core'

const invalid = expect.objectContaining({ code: 'invalid_configuration' })

describe('option checks (one validator for core and policy)', () => {
  it('integerOption: the fallback for undefined, the value in range, invalid_configuration naming the option otherwise', () => {
    expect(integerOption(undefined, 'x', 7, 1, 10)).toBe(7)
    expect(integerOption(10, 'x', 7, 1, 10)).toBe(10)
    for (const bad of [0, 11, 1.5, '5', NaN, Infinity, null]) {
      expect(() => integerOption(bad, 'jwks.maxKeys', 7, 1, 10)).toThrow(invalid)
      expect(() => integerOption(bad, 'jwks.maxKeys', 7, 1, 10)).toThrow('jwks.maxKeys must be an integer from 1 to 10')
    }
  })

  it('numberOption accepts fractions in range and names the unit', () => {
    expect(numberOption(2.5, 'clockTolerance', 5, 'seconds', 0, 300)).toBe(2.5)
    expect(() => numberOption(301, 'clockTolerance', 5, 'seconds', 0, 300)).toThrow('clockTolerance must be a number of seconds from 0 to 300')
  })

  it('optionsObject refuses non-objects and names an unknown member (path or function name)', () => {
    expect(optionsObject({ a: 1 }, 'jwks', ['a'])).toEqual({ a: 1 })
    expect(() => optionsObject({ b: 1 }, 'jwks', ['a'])).toThrow('jwks.b is not an option')
    expect(() => optionsObject({ b: 1 }, 'createTokenPropagator:', ['a'])).toThrow('createTokenPropagator: b is not an option')
    expect(() => optionsObject([] as never, 'jwks', ['a'])).toThrow('jwks must be an object')
  })

  it('integerOption never returns a value outside [min, max] (property)', () => {
    fc.assert(
      fc.property(fc.anything(), fc.integer({ min: -100, max: 100 }), fc.nat(200), (value, min, span) => {
        try {
          const result = integerOption(value, 'n', min, min, min + span)
          return Number.isInteger(result) && result >= min && result <= min + span
        } catch (error) {
          return (error as { code?: unknown }).code === 'invalid_configuration'
        }
      }),
    )
  })
})
