import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { ConditionError } from '../../src/operators/condition-error.js'
import {
  compileGlob, endsWith, equalsIgnoreCase, includes, MAX_GLOB_INPUT_LENGTH, MAX_GLOB_PATTERN_LENGTH, startsWith,
} from '../../src/operators/strings.js'

describe('string operators', () => {
  it('equalsIgnoreCase uses Unicode case mapping, not the locale', () => {
    expect(equalsIgnoreCase('Finance', 'FINANCE')).toBe(true)
    expect(equalsIgnoreCase('Straße', 'STRASSE')).toBe(false)
    expect(equalsIgnoreCase('ÉTÉ', 'été')).toBe(true)
    expect(equalsIgnoreCase('a', 'b')).toBe(false)
  })

  it('startsWith / endsWith / includes are case-sensitive', () => {
    expect(startsWith('/orders/42', '/orders/')).toBe(true)
    expect(startsWith('/Orders/42', '/orders/')).toBe(false)
    expect(endsWith('alice@example.com', '@example.com')).toBe(true)
    expect(endsWith('alice@example.com.evil', '@example.com')).toBe(false)
    expect(includes('team-payments-eu', 'payments')).toBe(true)
    expect(includes('x', '')).toBe(true)
  })

  it.each([
    () => equalsIgnoreCase('10', 10), () => startsWith(undefined, 'a'), () => endsWith('a', null),
    () => includes(['a'], 'a'), () => startsWith({ toString: () => 'a' }, 'a'),
  ])('throws a ConditionError for non-string operands (%#)', (run) => {
    expect(run).toThrow(ConditionError)
  })
})

describe('compileGlob', () => {
  it('matches * and ? over the whole string', () => {
    const glob = compileGlob('reports/*.pdf')
    expect(glob.pattern).toBe('reports/*.pdf')
    expect(glob.test('reports/q4.pdf')).toBe(true)
    expect(glob.test('reports/2026/q4.pdf')).toBe(true)
    expect(glob.test('reports/.pdf')).toBe(true)
    expect(glob.test('reports/q4.pdf.exe')).toBe(false)
    expect(glob.test('xreports/q4.pdf')).toBe(false)
    expect(compileGlob('user-???').test('user-042')).toBe(true)
    expect(compileGlob('user-???').test('user-42')).toBe(false)
    expect(compileGlob('').test('')).toBe(true)
    expect(compileGlob('').test('a')).toBe(false)
    expect(compileGlob('*').test('')).toBe(true)
    expect(compileGlob('a**b').test('ab')).toBe(true)
  })

  it('? matches one code point, not half of a surrogate pair', () => {
    expect(compileGlob('?').test('😀')).toBe(true)
    expect(compileGlob('??').test('😀')).toBe(false)
  })

  it('supports escapes for *, ? and backslash only', () => {
    expect(compileGlob('a\\*b').test('a*b')).toBe(true)
    expect(compileGlob('a\\*b').test('axb')).toBe(false)
    expect(compileGlob('what\\?').test('what?')).toBe(true)
    expect(compileGlob('c:\\\\*').test('c:\\x')).toBe(true)
    expect(() => compileGlob('a\\b')).toThrow(TypeError)
    expect(() => compileGlob('trailing\\')).toThrow(TypeError)
  })

  it('regex metacharacters are literal', () => {
    expect(compileGlob('a.c').test('abc')).toBe(false)
    expect(compileGlob('(a+)+$').test('(a+)+$')).toBe(true)
    expect(compileGlob('[ab]').test('a')).toBe(false)
  })

  it('ignoreCase', () => {
    expect(compileGlob('ADMIN-*', { ignoreCase: true }).test('admin-eu')).toBe(true)
    expect(compileGlob('ADMIN-*').test('admin-eu')).toBe(false)
  })

  it('bounds the pattern and the input', () => {
    expect(() => compileGlob('a'.repeat(MAX_GLOB_PATTERN_LENGTH + 1))).toThrow(TypeError)
    expect(() => compileGlob(42 as never)).toThrow(TypeError)
    const glob = compileGlob('*a')
    expect(() => glob.test('a'.repeat(MAX_GLOB_INPUT_LENGTH + 1))).toThrow(ConditionError)
    expect(() => glob.test(undefined)).toThrow(ConditionError)
    expect(() => glob.test(['a'])).toThrow(ConditionError)
  })

  it('stays fast on the classic backtracking attack', () => {
    const glob = compileGlob(`${'*a'.repeat(200)}*b`)
    const start = Date.now()
    expect(glob.test('a'.repeat(MAX_GLOB_INPUT_LENGTH))).toBe(false)
    expect(Date.now() - start).toBeLessThan(3000)
  })

  // Naive exponential reference, fine on the small inputs fast-check draws.
  function reference(pattern: string[], text: string[]): boolean {
    if (pattern.length === 0) return text.length === 0
    const [head, ...rest] = pattern
    if (head === '*') return reference(rest, text) || (text.length > 0 && reference(pattern, text.slice(1)))
    if (text.length === 0) return false
    return (head === '?' || head === text[0]) && reference(rest, text.slice(1))
  }

  it('agrees with a naive recursive matcher (property)', () => {
    const alphabet = fc.constantFrom('a', 'b', '*', '?')
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 8 }), fc.array(fc.constantFrom('a', 'b'), { maxLength: 10 }), (pattern, text) => {
        expect(compileGlob(pattern.join('')).test(text.join(''))).toBe(reference(pattern, text))
      }),
      { numRuns: 1000 },
    )
  })

  it('a pattern without wildcards is equality; "*x*" is includes (property)', () => {
    const safe = fc.string({ maxLength: 20 }).map((s) => s.replace(/[*?\\]/g, ''))
    fc.assert(
      fc.property(safe, safe, (p, s) => {
        expect(compileGlob(p).test(s)).toBe(p === s)
        expect(compileGlob(`*${p}*`).test(s)).toBe(s.includes(p))
        expect(compileGlob(`${p}*`).test(s)).toBe(s.startsWith(p))
      }),
    )
  })
})
