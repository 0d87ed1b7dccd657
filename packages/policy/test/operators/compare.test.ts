import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { compare, compareInstants, isComparisonOperator, parseInstant, type ComparisonOperator } from '../../src/operators/compare.js'
import { ConditionError, isConditionError } from '../../src/operators/condition-error.js'

const OPS: ComparisonOperator[] = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte']

describe('compare', () => {
  it('orders numbers and strings of the same type', () => {
    expect(compare('lt', 1, 2)).toBe(true)
    expect(compare('gte', 2, 2)).toBe(true)
    expect(compare('gt', -0, 0)).toBe(false)
    expect(compare('eq', -0, 0)).toBe(true)
    expect(compare('lt', 'alpha', 'beta')).toBe(true)
    expect(compare('ne', 'a', 'A')).toBe(true)
    // Code-unit order, not locale order: upper case sorts first.
    expect(compare('lt', 'Z', 'a')).toBe(true)
    expect(compare('lt', 10, Infinity)).toBe(true)
  })

  it('booleans support only eq and ne', () => {
    expect(compare('eq', true, true)).toBe(true)
    expect(compare('ne', true, false)).toBe(true)
    expect(() => compare('lt', false, true)).toThrow(ConditionError)
  })

  it.each([
    ['10', 10], [10, '10'], [1, true], ['true', true], [NaN, 1], [1, NaN], [null, 1], [undefined, undefined],
    [{}, {}], [[1], [1]], [new Date(0), new Date(0)], [1n, 1n], ['__proto__', {}],
  ])('refuses %p against %p with a ConditionError (no coercion)', (left, right) => {
    for (const op of OPS) {
      expect(() => compare(op, left, right)).toThrow(ConditionError)
    }
  })

  it('a ConditionError is recognisable by code and keeps request data out of long messages', () => {
    try {
      compare('eq', 'x'.repeat(10_000), 1)
      throw new Error('unreachable')
    } catch (error) {
      expect(isConditionError(error)).toBe(true)
      expect((error as ConditionError).code).toBe('condition_error')
      expect((error as Error).message.length).toBeLessThan(200)
    }
    expect(isConditionError(new Error('x'))).toBe(false)
    expect(isConditionError({ code: 'condition_error' })).toBe(false)
  })

  it('refuses an unknown operator as configuration', () => {
    expect(() => compare('like' as ComparisonOperator, 1, 1)).toThrow(TypeError)
    expect(isComparisonOperator('gte')).toBe(true)
    expect(isComparisonOperator('__proto__')).toBe(false)
    expect(isComparisonOperator(1)).toBe(false)
  })

  it('is consistent: exactly one of lt, eq, gt; ne is not eq; lte is lt or eq (property)', () => {
    const same = fc.oneof(fc.tuple(fc.double({ noNaN: true }), fc.double({ noNaN: true })), fc.tuple(fc.string(), fc.string()))
    fc.assert(
      fc.property(same, ([a, b]) => {
        const lt = compare('lt', a, b), eq = compare('eq', a, b), gt = compare('gt', a, b)
        expect([lt, eq, gt].filter(Boolean)).toHaveLength(1)
        expect(compare('ne', a, b)).toBe(!eq)
        expect(compare('lte', a, b)).toBe(lt || eq)
        expect(compare('gte', a, b)).toBe(gt || eq)
        expect(compare('lt', b, a)).toBe(gt)
      }),
    )
  })

  it('always throws for mixed number and string operands (property)', () => {
    fc.assert(
      fc.property(fc.double(), fc.string(), fc.constantFrom(...OPS), (n, s, op) => {
        expect(() => compare(op, n, s)).toThrow(ConditionError)
        expect(() => compare(op, s, n)).toThrow(ConditionError)
      }),
    )
  })
})

describe('parseInstant', () => {
  it.each([
    ['2026-12-01', Date.UTC(2026, 11, 1)],
    ['2026-12-01T09:30Z', Date.UTC(2026, 11, 1, 9, 30)],
    ['2026-12-01T09:30:15Z', Date.UTC(2026, 11, 1, 9, 30, 15)],
    ['2026-12-01T09:30:15.123456789Z', Date.UTC(2026, 11, 1, 9, 30, 15, 123)],
    ['2026-12-01T09:30:00+01:00', Date.UTC(2026, 11, 1, 8, 30)],
    ['2026-12-01T00:30:00-05:30', Date.UTC(2026, 11, 1, 6, 0)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['0050-01-01T00:00:00Z', -60589296000000],
  ])('parses %s', (text, expected) => {
    expect(parseInstant(text)).toBe(expected)
  })

  it('accepts a valid Date and refuses an invalid one', () => {
    expect(parseInstant(new Date(5))).toBe(5)
    expect(parseInstant(new Date(NaN))).toBeUndefined()
  })

  it.each([
    '2026-12-01T09:30:00', '2026-12-01 09:30:00Z', '2026-12-01t09:30:00z', '2025-02-29', '2026-02-30T00:00:00Z',
    '2026-13-01', '2026-00-10', '2026-12-00', '2026-12-01T24:00:00Z', '2026-12-01T23:60:00Z', '2026-12-01T23:59:60Z',
    '2026-12-01T09:30:00+25:00', '2026-12-01T09:30:00+01:60', '2026-12-01T09:30:00+0100', '20261201T093000Z',
    'Tue, 01 Dec 2026 09:30:00 GMT', '1796117400000', '+002026-12-01', ' 2026-12-01', '2026-12-01\n', '',
    `2026-12-01T09:30:00.${'1'.repeat(100)}Z`, '__proto__',
  ])('refuses %j', (text) => {
    expect(parseInstant(text)).toBeUndefined()
  })

  it.each([1796117400000, null, undefined, {}, ['2026-12-01']])('refuses the non-string %p', (value) => {
    expect(parseInstant(value)).toBeUndefined()
  })

  it('round-trips every instant written by toISOString (property)', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), (date) => {
        expect(parseInstant(date.toISOString())).toBe(date.getTime())
      }),
    )
  })

  it('agrees with Date.parse on offsets (property)', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: -23, max: 23 }), fc.integer({ min: 0, max: 59 }),
        (date, oh, om) => {
          const local = date.toISOString().slice(0, 19)
          const sign = oh < 0 ? '-' : '+'
          const text = `${local}${sign}${String(Math.abs(oh)).padStart(2, '0')}:${String(om).padStart(2, '0')}`
          expect(parseInstant(text)).toBe(Date.parse(text))
        },
      ),
    )
  })
})

describe('compareInstants', () => {
  it('compares strings and Dates as instants, across offsets', () => {
    expect(compareInstants('eq', '2026-12-01T09:30:00+01:00', '2026-12-01T08:30:00Z')).toBe(true)
    expect(compareInstants('lt', '2026-12-01', new Date('2026-12-01T00:00:01Z'))).toBe(true)
    expect(compareInstants('gte', new Date(10), new Date(10))).toBe(true)
  })

  it('throws a ConditionError for anything that is not an instant', () => {
    expect(() => compareInstants('lt', '2026-12-01', 1796117400000)).toThrow(ConditionError)
    expect(() => compareInstants('lt', 'yesterday', '2026-12-01')).toThrow(ConditionError)
    expect(() => compareInstants('lt', '2026-12-01', undefined)).toThrow(ConditionError)
    expect(() => compareInstants('bad' as ComparisonOperator, '2026-12-01', '2026-12-01')).toThrow(TypeError)
  })
})
