import { TokenInvalid } from '../internal/failures.js'

/** The last second of year 9999 (9999-12-31T23:59:59Z): later NumericDates are refused. */
export const MAX_NUMERIC_DATE = 253_402_300_799

/**
 * True when `value` is a NumericDate Portcullis accepts (RFC 7519 §2): a JSON number of whole
 * seconds since the epoch, from 0 to {@link MAX_NUMERIC_DATE}. RFC 7519 allows fractions, but
 * no issuer needs them and every comparison here is in whole seconds; an out-of-range value
 * (`1e300`) would become an invalid `Date` whose comparisons are all false, so it is refused
 * rather than allowed to pass a `maxAge` or expiry check.
 */
export function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_NUMERIC_DATE
}

/**
 * Reads the time member `name` of a claims set or introspection response: `undefined` when
 * absent, the number when it is a valid NumericDate, otherwise `TokenInvalid` (`claims`). The
 * one reader for `exp`, `nbf`, `iat` and `auth_time` everywhere a token is checked.
 */
export function readNumericDate(record: Readonly<Record<string, unknown>>, name: string, where = 'claim'): number | undefined {
  const value = record[name]
  if (value === undefined) return undefined
  if (!isNumericDate(value)) {
    throw TokenInvalid.create('claims', `The "${name}" ${where} must be a NumericDate (whole seconds, year 9999 at most)`)
  }
  return value
}
