import { ConditionError, describeValue } from './condition-error.js'

/** An element of a set operand: strings, numbers (not `NaN`) or booleans, one type per comparison. */
export type SetElement = string | number | boolean

// Checks every element and returns the one primitive type shared by all operands. Mixing
// types (`"10"` and `10`) is almost always an attribute of the wrong type: an error, not a
// silent non-match that a negated operator would turn into a grant.
function commonKind(operands: readonly (readonly unknown[])[]): string | undefined {
  let kind: string | undefined
  for (const operand of operands) {
    for (const item of operand) {
      const type = typeof item
      if (type !== 'string' && type !== 'number' && type !== 'boolean') {
        throw new ConditionError(`Set elements must be strings, numbers or booleans, not ${describeValue(item)}`)
      }
      if (Number.isNaN(item)) throw new ConditionError('NaN cannot be a set element')
      if (kind === undefined) kind = type
      else if (kind !== type) throw new ConditionError(`Cannot mix ${kind} and ${type} values in a set comparison`)
    }
  }
  return kind
}

function asArray(value: unknown, role: string): readonly unknown[] {
  if (!Array.isArray(value)) throw new ConditionError(`The ${role} must be an array, not ${describeValue(value)}`)
  return value
}

function prepare(left: unknown, right: unknown, leftRole: string, rightRole: string): [readonly unknown[], ReadonlySet<unknown>] {
  const a = asArray(left, leftRole)
  const b = asArray(right, rightRole)
  commonKind([a, b])
  // A Set gives linear time whatever the sizes of request-supplied arrays.
  return [a, new Set(b)]
}

/**
 * True when `value` equals one element of `list` (same type; no coercion).
 *
 * @example
 * ```ts
 * isIn('eu-west', ['eu-west', 'eu-central']) // true
 * isIn('10', [10, 20])                       // throws ConditionError
 * ```
 */
export function isIn(value: unknown, list: unknown): boolean {
  const [, set] = prepare([value], list, 'value', 'list')
  return set.has(value)
}

/**
 * Negation of {@link isIn}; still throws on a type mismatch rather than answering `true`.
 *
 * @example
 * ```ts
 * isNotIn('guest', ['admin', 'owner']) // true
 * ```
 */
export function isNotIn(value: unknown, list: unknown): boolean {
  return !isIn(value, list)
}

/**
 * True when the array `list` contains `value`.
 *
 * @example
 * ```ts
 * contains(['finance', 'audit'], 'audit') // true
 * ```
 */
export function contains(list: unknown, value: unknown): boolean {
  return isIn(value, list)
}

/**
 * True when `list` contains at least one of `values` (IAM `ForAnyValue`; `false` for empty `values`).
 *
 * @example
 * ```ts
 * containsAny(['a', 'b'], ['b', 'z']) // true
 * ```
 */
export function containsAny(list: unknown, values: unknown): boolean {
  const [wanted, set] = prepare(values, list, 'values', 'list')
  return wanted.some((item) => set.has(item))
}

/**
 * True when `list` contains every one of `values` (`true` for empty `values`).
 *
 * @example
 * ```ts
 * containsAll(['read', 'write'], ['read']) // true
 * ```
 */
export function containsAll(list: unknown, values: unknown): boolean {
  const [wanted, set] = prepare(values, list, 'values', 'list')
  return wanted.every((item) => set.has(item))
}

/**
 * True when every element of `subset` is in `superset` (IAM `ForAllValues`). Note the IAM
 * edge case: an empty `subset` is a subset of anything, so guard against a missing attribute
 * in an Allow rule.
 *
 * @example
 * ```ts
 * subsetOf(['read'], ['read', 'write']) // true
 * subsetOf([], ['read'])                // true
 * ```
 */
export function subsetOf(subset: unknown, superset: unknown): boolean {
  return containsAll(superset, subset)
}

/**
 * True when the two arrays share at least one element (`false` when either is empty).
 *
 * @example
 * ```ts
 * intersects(['eu', 'us'], ['us', 'apac']) // true
 * ```
 */
export function intersects(left: unknown, right: unknown): boolean {
  return containsAny(right, left)
}
