/**
 * Strict JOSE parsing: canonical base64url in every segment (RFC 7515 §2), no byte-order mark
 * (RFC 8259 §8.1), no duplicate member names (RFC 7515 §5.2), and the one NumericDate reader
 * (RFC 7519 §2). Unit and property tests against simple references.
 */
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { isCanonicalBase64url } from '../../src/token/base64url.js'
import { hasDuplicateMembers } from '../../src/token/duplicate-members.js'
import { isNumericDate, MAX_NUMERIC_DATE, readNumericDate } from '../../src/token/numeric-date.js'
import { parseCompactJws } from '../../src/token/parse-jws.js'

const b64 = (text: string | Buffer): string => Buffer.from(text).toString('base64url')
const SIGNATURE = b64('signature bytes')

function reasonOf(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    return (error as Error).message
  }
  return 'accepted'
}

describe('canonical base64url (every segment)', () => {
  it('property: canonical exactly when the decoder round-trips and only the alphabet is used', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/. '
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet.split('')), { maxLength: 12 }).map((chars) => chars.join('')), (text) => {
        const reference = /^[A-Za-z0-9_-]+$/.test(text) && Buffer.from(text, 'base64url').toString('base64url') === text
        expect(isCanonicalBase64url(text)).toBe(reference)
      }),
      { numRuns: 2000 },
    )
  })

  it('property: every encoding of bytes is canonical', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (bytes) => expect(isCanonicalBase64url(b64(Buffer.from(bytes)))).toBe(true)))
  })

  const header = b64('{"alg":"RS256"}')
  const payload = b64('{"sub":"a"}')
  // "{}" is e30; e31 decodes to the same bytes with non-zero unused bits.
  it.each([
    ['header with padding', `${header}=.${payload}.${SIGNATURE}`],
    ['header with non-zero unused bits', `e31.${payload}.${SIGNATURE}`],
    ['payload with non-zero unused bits', `${header}.e31.${SIGNATURE}`],
    ['payload in base64 ("/" for "_")', `${header}.${b64('{"a":"???"}').replace(/_/g, '/')}.${SIGNATURE}`],
    ['signature with non-zero unused bits', `${header}.${payload}.AB`],
    ['header of length 1 mod 4', `${header}A.${payload}.${SIGNATURE}`],
  ])('%s is refused', (_name, token) => {
    expect(reasonOf(() => parseCompactJws(token))).toMatch(/not canonical base64url|not valid JSON/)
  })

  it('the canonical spelling of the same token is accepted', () => {
    expect(reasonOf(() => parseCompactJws(`e30.${payload}.${SIGNATURE}`))).toBe('accepted')
  })
})

describe('byte-order mark', () => {
  const bom = Buffer.from([0xef, 0xbb, 0xbf])
  it.each(['header', 'payload'])('a BOM at the start of the %s is refused, not dropped', (where) => {
    const json = Buffer.concat([bom, Buffer.from('{"alg":"RS256"}')])
    const token = where === 'header' ? `${b64(json)}.${b64('{}')}.${SIGNATURE}` : `${b64('{"alg":"RS256"}')}.${b64(json)}.${SIGNATURE}`
    expect(reasonOf(() => parseCompactJws(token))).toMatch(/byte-order mark/)
  })
  it('a U+FEFF inside a string value is just a character', () => {
    expect(reasonOf(() => parseCompactJws(`${b64('{"alg":"RS256"}')}.${b64('{"sub":"\ufeffa"}')}.${SIGNATURE}`))).toBe('accepted')
  })
})

describe('duplicate member names', () => {
  it.each([
    ['{"a":1,"a":2}', true],
    ['{"a":1,"\\u0061":2}', true],
    ['{"a":{"b":1,"b":1}}', true],
    ['[{"x":1},{"x":1,"y":[{"z":0,"z":0}]}]', true],
    ['{"a":"\\"a\\":","b":"{\\"a\\":1}","c":"\\\\"}', false],
    ['{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}', false],
    ['{"":1,"":2}', true],
    ['{"__proto__":1,"__proto__":2}', true],
    ['{"a\\\\":1,"a\\\\\\\\":2}', false],
    ['{ "a" : [ "a" , "a" ] , "b" : { } }', false],
  ])('%s -> %s', (json, expected) => {
    JSON.parse(json)
    expect(hasDuplicateMembers(json)).toBe(expected)
  })

  it('header and payload with a member named twice are refused (no "last one wins")', () => {
    expect(reasonOf(() => parseCompactJws(`${b64('{"alg":"RS256","alg":"none"}')}.${b64('{}')}.${SIGNATURE}`))).toMatch(/twice/)
    expect(reasonOf(() => parseCompactJws(`${b64('{"alg":"RS256"}')}.${b64('{"scope":"a","sc\\u006fpe":"admin"}')}.${SIGNATURE}`))).toMatch(/twice/)
  })

  // A JSON tree whose objects are lists of entries (so names may repeat), rendered with random
  // spacing and random escapes; the reference answer is computed on the tree.
  type Tree = { kind: 'object'; entries: Array<[string, Tree]> } | { kind: 'array'; items: Tree[] } | { kind: 'leaf'; value: unknown }
  const name = fc.constantFrom('a', 'b', 'ab', '"', '\\', '}', '{', ',:', '\u00e9', '\ud83d\ude00', '')
  const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean(), fc.constant(null), fc.constantFrom('"}]', '\\"', '{"a":1,"a":2}')).map((value) => ({ kind: 'leaf' as const, value })),
      fc.array(fc.tuple(name, tie('tree')), { maxLength: 4 }).map((entries) => ({ kind: 'object' as const, entries })),
      fc.array(tie('tree'), { maxLength: 3 }).map((items) => ({ kind: 'array' as const, items })),
    ),
  }))

  function hasDuplicates(node: Tree): boolean {
    if (node.kind === 'leaf') return false
    if (node.kind === 'array') return node.items.some(hasDuplicates)
    const names = node.entries.map(([key]) => key)
    return new Set(names).size !== names.length || node.entries.some(([, value]) => hasDuplicates(value))
  }

  function quote(text: string, escapeAll: boolean): string {
    if (!escapeAll) return JSON.stringify(text)
    return `"${text.split('').map((unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"`
  }

  function render(node: Tree, choices: () => boolean): string {
    const space = (): string => (choices() ? ' \n\t' : '')
    if (node.kind === 'leaf') return JSON.stringify(node.value)
    if (node.kind === 'array') return `[${space()}${node.items.map((item) => render(item, choices)).join(`${space()},`)}]`
    const members = node.entries.map(([key, value]) => `${space()}${quote(key, choices())}${space()}:${space()}${render(value, choices)}`)
    return `{${members.join(',')}${space()}}`
  }

  it('property: agrees with a reference computed on the tree, whatever the spelling', () => {
    fc.assert(
      fc.property(tree, fc.infiniteStream(fc.boolean()), (node, stream) => {
        const iterator = stream[Symbol.iterator]()
        const json = render(node, () => iterator.next().value as boolean)
        JSON.parse(json)
        expect(hasDuplicateMembers(json)).toBe(hasDuplicates(node))
      }),
      { numRuns: 1500 },
    )
  })
})

describe('NumericDate (one reader for every time claim)', () => {
  it.each([0, 1, 1_700_000_000, MAX_NUMERIC_DATE])('%p is accepted', (value) => {
    expect(isNumericDate(value)).toBe(true)
    expect(readNumericDate({ t: value }, 't')).toBe(value)
  })
  it.each([-1, 1.5, 1e300, MAX_NUMERIC_DATE + 1, Number.NaN, Infinity, '1700000000', null, true, [1]])('%p is refused', (value) => {
    expect(isNumericDate(value)).toBe(false)
    expect(reasonOf(() => readNumericDate({ t: value }, 't'))).toMatch(/NumericDate/)
  })
  it('an absent member is undefined, not an error', () => {
    expect(readNumericDate({}, 'exp')).toBeUndefined()
  })
})
