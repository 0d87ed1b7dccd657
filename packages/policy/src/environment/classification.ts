import { configurationError } from '@portcullis/core'
import { ConditionError, describeValue } from '../operators/condition-error.js'

/**
 * The classification levels most organisations start from, lowest first.
 *
 * @example
 * ```ts
 * import { createLevels, DEFAULT_CLASSIFICATION_LEVELS } from '@portcullis/policy'
 * const levels = createLevels([...DEFAULT_CLASSIFICATION_LEVELS, 'TOP_SECRET'])
 * ```
 */
export const DEFAULT_CLASSIFICATION_LEVELS: readonly string[] = Object.freeze(['PUBLIC', 'INTERNAL', 'CONFIDENTIAL', 'RESTRICTED'])

/** An ordered scale of levels. Every method throws a `ConditionError` for a value not on the scale. */
export interface Levels {
  /** The levels, lowest first (empty for a numeric scale). */
  readonly levels: readonly string[]
  /** True for a numeric scale ({@link numericLevels}). */
  readonly numeric?: boolean
  /** True when `value` is a level (never throws). */
  has(value: unknown): boolean
  /** Position of `level` on the scale, 0 for the lowest. */
  rank(level: unknown): number
  /** -1, 0 or 1 as `a` is below, at or above `b`. */
  compare(a: unknown, b: unknown): -1 | 0 | 1
  /** True when `a` is at or above `b` (clearance `a` may read data classified `b`). */
  atLeast(a: unknown, b: unknown): boolean
  /** True when `a` is at or below `b`. */
  atMost(a: unknown, b: unknown): boolean
}

/**
 * Compiles an ordered scale (classification, clearance, assurance levels), lowest first.
 * Levels are case-sensitive strings. An unknown level is a `ConditionError` (the engine makes
 * the rule Indeterminate), never ranked as lowest: a typo in data must not make a document
 * readable. Throws a configuration error (`invalid_configuration`) on an empty list, non-strings
 * or duplicates.
 *
 * @example
 * ```ts
 * import { createLevels } from '@portcullis/policy'
 * const classification = createLevels(['PUBLIC', 'INTERNAL', 'CONFIDENTIAL', 'RESTRICTED'])
 * classification.atLeast('CONFIDENTIAL', 'INTERNAL') // true
 * classification.rank('SECRET')                      // throws ConditionError
 * ```
 */
export function createLevels(levels: readonly string[] = DEFAULT_CLASSIFICATION_LEVELS): Levels {
  if (!Array.isArray(levels) || levels.length === 0) throw configurationError('Levels must be a non-empty array of strings')
  // A Map, not an object: a level named "__proto__" or "constructor" must not hit the prototype.
  const ranks = new Map<string, number>()
  levels.forEach((level: unknown, index) => {
    if (typeof level !== 'string' || level === '' || level.length > 64) {
      throw configurationError(`Level ${index} must be a non-empty string of at most 64 characters`)
    }
    if (ranks.has(level)) throw configurationError(`Level ${JSON.stringify(level)} is listed twice`)
    ranks.set(level, index)
  })
  const frozen = Object.freeze([...levels])

  function rank(level: unknown): number {
    const found = typeof level === 'string' ? ranks.get(level) : undefined
    if (found === undefined) throw new ConditionError(`${describeValue(level)} is not one of the levels ${frozen.join(', ')}`)
    return found
  }
  function compare(a: unknown, b: unknown): -1 | 0 | 1 {
    const d = rank(a) - rank(b)
    return d < 0 ? -1 : d > 0 ? 1 : 0
  }
  return {
    levels: frozen,
    has: (value) => typeof value === 'string' && ranks.has(value),
    rank,
    compare,
    atLeast: (a, b) => compare(a, b) >= 0,
    atMost: (a, b) => compare(a, b) <= 0,
  }
}

/**
 * A numeric scale: every finite number is a level and a higher number is above (clearance 3
 * may read data classified 2). A non-number (`"3"`, `NaN`, a missing value) is a
 * `ConditionError`, never ranked: a typo in data must not make a document readable.
 *
 * @example
 * ```ts
 * import { numericLevels } from '@portcullis/policy'
 * numericLevels().atLeast(3, 2) // true
 * numericLevels().rank('3')     // throws ConditionError
 * ```
 */
export function numericLevels(): Levels {
  const rank = (level: unknown): number => {
    if (typeof level !== 'number' || !Number.isFinite(level)) throw new ConditionError(`${describeValue(level)} is not a numeric level`)
    return level
  }
  const compare = (a: unknown, b: unknown): -1 | 0 | 1 => {
    const d = rank(a) - rank(b)
    return d < 0 ? -1 : d > 0 ? 1 : 0
  }
  return Object.freeze({
    levels: Object.freeze([]) as readonly string[],
    numeric: true,
    has: (value: unknown) => typeof value === 'number' && Number.isFinite(value),
    rank,
    compare,
    atLeast: (a: unknown, b: unknown) => compare(a, b) >= 0,
    atMost: (a: unknown, b: unknown) => compare(a, b) <= 0,
  })
}
