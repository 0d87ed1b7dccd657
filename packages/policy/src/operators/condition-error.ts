/**
 * A condition could not be evaluated: operands of different types (`"10"` against `10`), a
 * `NaN`, an unparsable instant, an unknown classification level, an oversize input. The
 * engine maps it to Indeterminate, never to `false`: for a negated operator or a Deny rule a
 * silent `false` would open access.
 *
 * Match on `code` (or use {@link isConditionError}), not `instanceof`: two installed copies
 * of the package break `instanceof`.
 *
 * @example
 * ```ts
 * try {
 *   compare('lt', attribute, 10)
 * } catch (error) {
 *   if (isConditionError(error)) return indeterminate(error.message)
 *   throw error
 * }
 * ```
 */
export class ConditionError extends Error {
  /** Stable discriminant. */
  readonly code = 'condition_error' as const
  override readonly name = 'ConditionError'

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/**
 * True when `error` is a {@link ConditionError} (from any copy of the package).
 *
 * @example
 * ```ts
 * if (isConditionError(error)) explanation.erroring.push({ rule: rule.id, reason: error.message })
 * ```
 */
export function isConditionError(error: unknown): error is ConditionError {
  return error instanceof Error && (error as { code?: unknown }).code === 'condition_error'
}

/** Short, bounded rendering of a value for an error message (values may come from requests). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  switch (typeof value) {
    case 'string':
      return value.length > 40 ? `a string of ${value.length} characters` : `the string ${JSON.stringify(value)}`
    case 'number':
      return Number.isNaN(value) ? 'NaN' : `the number ${value}`
    case 'undefined':
      return 'undefined'
    case 'object':
      return value instanceof Date ? 'a Date' : 'an object'
    default:
      return `a ${typeof value}`
  }
}
