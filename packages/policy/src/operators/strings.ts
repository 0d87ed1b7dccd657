import { ConditionError, describeValue } from './condition-error.js'

function asString(value: unknown, role: string): string {
  if (typeof value !== 'string') throw new ConditionError(`The ${role} must be a string, not ${describeValue(value)}`)
  return value
}

/**
 * Case-insensitive equality with Unicode default case mapping (`toLowerCase()`, no locale:
 * the answer never depends on the server's locale). Non-strings throw a {@link ConditionError}.
 *
 * @example
 * ```ts
 * equalsIgnoreCase('Finance', 'FINANCE') // true
 * ```
 */
export function equalsIgnoreCase(left: unknown, right: unknown): boolean {
  return asString(left, 'left operand').toLowerCase() === asString(right, 'right operand').toLowerCase()
}

/**
 * True when `value` starts with `prefix` (case-sensitive).
 *
 * @example
 * ```ts
 * startsWith('/orders/42', '/orders/') // true
 * ```
 */
export function startsWith(value: unknown, prefix: unknown): boolean {
  return asString(value, 'value').startsWith(asString(prefix, 'prefix'))
}

/**
 * True when `value` ends with `suffix` (case-sensitive).
 *
 * @example
 * ```ts
 * endsWith('alice@example.com', '@example.com') // true
 * ```
 */
export function endsWith(value: unknown, suffix: unknown): boolean {
  return asString(value, 'value').endsWith(asString(suffix, 'suffix'))
}

/**
 * True when `value` contains `part` (case-sensitive).
 *
 * @example
 * ```ts
 * includes('team-payments-eu', 'payments') // true
 * ```
 */
export function includes(value: unknown, part: unknown): boolean {
  return asString(value, 'value').includes(asString(part, 'part'))
}

/** Longest glob pattern accepted, in code points. */
export const MAX_GLOB_PATTERN_LENGTH = 1024
/** Longest string a glob is matched against, in UTF-16 code units; longer input is a {@link ConditionError}. */
export const MAX_GLOB_INPUT_LENGTH = 16_384

/** A compiled glob pattern. */
export interface Glob {
  readonly pattern: string
  /** Matches the whole of `value`; throws a {@link ConditionError} for a non-string or oversize input. */
  test(value: unknown): boolean
}

/** Options of {@link compileGlob}. */
export interface GlobOptions {
  /** Compare with Unicode default case mapping. Default `false`. */
  ignoreCase?: boolean
}

const STAR = 0
const ONE = 1
type Token = string | typeof STAR | typeof ONE

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = []
  const chars = Array.from(pattern)
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] as string
    if (c === '*') {
      // `**` means the same as `*`; collapsing keeps the matcher's work down.
      if (tokens[tokens.length - 1] !== STAR) tokens.push(STAR)
    } else if (c === '?') {
      tokens.push(ONE)
    } else if (c === '\\') {
      const next = chars[++i]
      if (next !== '*' && next !== '?' && next !== '\\') {
        throw new TypeError(`Glob ${JSON.stringify(pattern)}: "\\" must be followed by *, ? or \\`)
      }
      tokens.push(next)
    } else {
      tokens.push(c)
    }
  }
  return tokens
}

/**
 * Compiles a glob once: `*` matches any run of characters (including `/` and the empty run),
 * `?` exactly one character (a code point), `\*`, `\?` and `\\` match themselves, anything
 * else matches literally; the whole string must match. There is deliberately no regular
 * expression operator: the matcher below does not use `RegExp` and runs in
 * O(pattern × input) at worst, with both lengths capped ({@link MAX_GLOB_PATTERN_LENGTH},
 * {@link MAX_GLOB_INPUT_LENGTH}), so a policy or a request cannot make it backtrack
 * catastrophically. Throws a `TypeError` for an invalid or oversize pattern.
 *
 * @example
 * ```ts
 * const reports = compileGlob('reports/*.pdf')
 * reports.test('reports/2026/q4.pdf') // true
 * reports.test('reports/q4.docx')     // false
 * ```
 */
export function compileGlob(pattern: string, options: GlobOptions = {}): Glob {
  if (typeof pattern !== 'string') throw new TypeError('A glob pattern must be a string')
  const ignoreCase = options.ignoreCase === true
  const source = ignoreCase ? pattern.toLowerCase() : pattern
  if (Array.from(source).length > MAX_GLOB_PATTERN_LENGTH) {
    throw new TypeError(`A glob pattern is limited to ${MAX_GLOB_PATTERN_LENGTH} characters`)
  }
  const tokens = tokenize(source)
  return {
    pattern,
    test(value: unknown): boolean {
      const text = asString(value, 'value')
      if (text.length > MAX_GLOB_INPUT_LENGTH) {
        throw new ConditionError(`A glob is matched against at most ${MAX_GLOB_INPUT_LENGTH} characters`)
      }
      return matchTokens(tokens, Array.from(ignoreCase ? text.toLowerCase() : text))
    },
  }
}

// Iterative wildcard matching: on a mismatch, resume after the last `*`, one character
// further. Only the last `*` is ever revisited, which bounds the work to O(p × s).
function matchTokens(tokens: readonly Token[], chars: readonly string[]): boolean {
  let p = 0
  let s = 0
  let starP = -1
  let starS = 0
  while (s < chars.length) {
    const token = tokens[p]
    if (p < tokens.length && (token === ONE || token === chars[s])) {
      p++
      s++
    } else if (token === STAR) {
      starP = p++
      starS = s
    } else if (starP !== -1) {
      p = starP + 1
      s = ++starS
    } else {
      return false
    }
  }
  while (tokens[p] === STAR) p++
  return p === tokens.length
}
