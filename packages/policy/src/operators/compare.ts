import { ConditionError, describeValue } from './condition-error.js'

/** The ordering and equality operators of the condition language. */
export type ComparisonOperator = 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte'

const OPERATORS: ReadonlySet<string> = new Set(['eq', 'ne', 'lt', 'lte', 'gt', 'gte'])

/**
 * True when `value` names a {@link ComparisonOperator}; lets the engine validate a policy at load time.
 *
 * @example
 * ```ts
 * if (!isComparisonOperator(op)) throw new TypeError(`unknown operator ${op}`)
 * ```
 */
export function isComparisonOperator(value: unknown): value is ComparisonOperator {
  return typeof value === 'string' && OPERATORS.has(value)
}

function kindOf(value: unknown): 'number' | 'string' | 'boolean' {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) throw new ConditionError('NaN cannot be compared')
    return 'number'
  }
  if (typeof value === 'string' || typeof value === 'boolean') return typeof value as 'string' | 'boolean'
  throw new ConditionError(`Cannot compare ${describeValue(value)}: only numbers, strings and booleans compare`)
}

function apply(op: ComparisonOperator, order: number): boolean {
  switch (op) {
    case 'eq': return order === 0
    case 'ne': return order !== 0
    case 'lt': return order < 0
    case 'lte': return order <= 0
    case 'gt': return order > 0
    case 'gte': return order >= 0
  }
}

/**
 * Compares two values of the same type with no coercion: numbers numerically, strings by
 * UTF-16 code units (locale-independent, so a decision never depends on the server's locale),
 * booleans for `eq` / `ne` only. A type mismatch (`"10"` against `10`), `NaN`, `null`,
 * objects or an ordering of booleans throw a {@link ConditionError}, which the engine maps
 * to Indeterminate: a silent `false` would turn a negated condition into a grant.
 *
 * @example
 * ```ts
 * compare('gte', 42, 18)         // true
 * compare('lt', 'alpha', 'beta') // true
 * compare('eq', '10', 10)        // throws ConditionError
 * ```
 */
export function compare(op: ComparisonOperator, left: unknown, right: unknown): boolean {
  if (!OPERATORS.has(op)) throw new TypeError(`Unknown comparison operator ${JSON.stringify(op)}`)
  const kind = kindOf(left)
  const rightKind = kindOf(right)
  if (kind !== rightKind) throw new ConditionError(`Cannot compare ${describeValue(left)} with ${describeValue(right)}: different types`)
  if (kind === 'boolean') {
    if (op !== 'eq' && op !== 'ne') throw new ConditionError(`Booleans support only eq and ne, not ${op}`)
    return apply(op, left === right ? 0 : 1)
  }
  const a = left as number | string
  const b = right as number | string
  return apply(op, a < b ? -1 : a > b ? 1 : 0)
}

// RFC 3339 profile of ISO 8601: a full date, or a date-time with an explicit offset. A local
// time without offset is refused: its instant would depend on the server's time zone.
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})$/
const MAX_INSTANT_LENGTH = 40

/**
 * Parses an instant strictly: `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DDTHH:MM[:SS[.fraction]]`
 * followed by `Z` or `±HH:MM`; a `Date` is accepted when valid. Out-of-range fields
 * (`2026-02-30`, `24:00`, offset `+25:00`) and every other shape (epoch numbers, RFC 2822,
 * lower-case `t`/`z`) give `undefined`. Returns epoch milliseconds (fractions truncated).
 *
 * @example
 * ```ts
 * parseInstant('2026-12-01T09:30:00+01:00') // 1796113800000
 * parseInstant('2026-12-01 09:30')          // undefined (no offset)
 * ```
 */
export function parseInstant(value: unknown): number | undefined {
  if (value instanceof Date) {
    const ms = value.getTime()
    return Number.isNaN(ms) ? undefined : ms
  }
  if (typeof value !== 'string' || value.length > MAX_INSTANT_LENGTH) return undefined
  const date = DATE.exec(value)
  const match = date ?? DATE_TIME.exec(value)
  if (match === null) return undefined
  const [, y, mo, d, h = '00', mi = '00', s = '00', fraction = '', offset = 'Z'] = match
  const year = Number(y), month = Number(mo), day = Number(d)
  const hour = Number(h), minute = Number(mi), second = Number(s)
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined
  // setUTCFullYear, not Date.UTC: the latter maps years 0-99 to 1900-1999.
  const check = new Date(0)
  check.setUTCFullYear(year, month - 1, day)
  // Dates roll 30 February over to March: a round trip detects impossible dates.
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return undefined
  const utc = check.getTime() + ((hour * 60 + minute) * 60 + second) * 1000 + Number(fraction.padEnd(3, '0').slice(0, 3))
  let offsetMinutes = 0
  if (offset !== 'Z') {
    const oh = Number(offset.slice(1, 3)), om = Number(offset.slice(4, 6))
    if (oh > 23 || om > 59) return undefined
    offsetMinutes = (offset[0] === '-' ? -1 : 1) * (oh * 60 + om)
  }
  return utc - offsetMinutes * 60_000
}

/**
 * Compares two instants, each an ISO-8601 string accepted by {@link parseInstant} or a
 * `Date`. An operand that is not a valid instant throws a {@link ConditionError}.
 *
 * @example
 * ```ts
 * compareInstants('lt', '2026-01-01T00:00:00Z', new Date()) // true after new year 2026
 * ```
 */
export function compareInstants(op: ComparisonOperator, left: unknown, right: unknown): boolean {
  if (!OPERATORS.has(op)) throw new TypeError(`Unknown comparison operator ${JSON.stringify(op)}`)
  const a = parseInstant(left)
  if (a === undefined) throw new ConditionError(`${describeValue(left)} is not an ISO-8601 instant`)
  const b = parseInstant(right)
  if (b === undefined) throw new ConditionError(`${describeValue(right)} is not an ISO-8601 instant`)
  return apply(op, a < b ? -1 : a > b ? 1 : 0)
}
