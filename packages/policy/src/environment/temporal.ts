import { ConditionError, describeValue } from '../operators/condition-error.js'
import { parseInstant } from '../operators/compare.js'
import { parseTimeWindow, type TimeWindow, type TimeWindowConfig } from '../operators/time-of-day.js'

/** A compiled temporal constraint. */
export interface TemporalConstraint {
  /** True when the instant (epoch ms) satisfies the constraint; a `ConditionError` for a non-finite instant. */
  within(instantMs: number): boolean
}

/**
 * Any of several time windows (see `parseTimeWindow`): on-call rotations, maintenance slots.
 * Throws a `TypeError` naming the window on invalid configuration.
 *
 * @example
 * ```ts
 * const maintenance = parseTimeWindows([
 *   { days: ['sat'], start: '22:00', end: '02:00', timeZone: 'Europe/Paris' },
 *   { days: ['wed'], start: '12:00', end: '13:00', timeZone: 'Europe/Paris' },
 * ])
 * maintenance.within(Date.now())
 * ```
 */
export function parseTimeWindows(windows: readonly TimeWindowConfig[]): TemporalConstraint {
  if (!Array.isArray(windows) || windows.length === 0) throw new TypeError('Time windows must be a non-empty array')
  const compiled: TimeWindow[] = windows.map((config, index) => {
    try {
      return parseTimeWindow(config)
    } catch (error) {
      throw new TypeError(`Time window ${index}: ${(error as Error).message}`, { cause: error })
    }
  })
  return { within: (instantMs) => compiled.some((window) => window.within(instantMs)) }
}

/** Business hours: the `withinBusinessHours` operator's value and the `offHours` risk factor's `hours`. */
export interface BusinessHoursConfig {
  /** IANA time zone of the office. */
  timeZone: string
  /** Working days. Default Monday to Friday. */
  days?: readonly string[]
  /** Opening time `HH:MM`. Default `09:00`. */
  start?: string
  /** Closing time `HH:MM` (exclusive). Default `17:00`. */
  end?: string
  /** Local dates (`YYYY-MM-DD`) on which the office is closed. */
  holidays?: readonly string[]
}

const LOCAL_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/

function parseHolidays(holidays: unknown): ReadonlySet<string> {
  if (holidays === undefined) return new Set()
  if (!Array.isArray(holidays)) throw new TypeError('Business hours holidays must be an array of "YYYY-MM-DD" dates')
  for (const day of holidays) {
    // parseInstant validates the calendar (no 30 February).
    if (typeof day !== 'string' || !LOCAL_DATE.test(day) || parseInstant(day) === undefined) {
      throw new TypeError(`Business hours holiday ${JSON.stringify(day)} is not a "YYYY-MM-DD" date`)
    }
  }
  return new Set(holidays as string[])
}

/**
 * Business hours in a time zone, with optional holidays. A holiday closes the occurrence
 * that *starts* on that local date (for a night shift crossing midnight, the shift starting
 * on the holiday). DST follows the wall clock, as in `parseTimeWindow`. Throws a
 * `TypeError` on invalid configuration.
 *
 * @example
 * ```ts
 * const office = parseBusinessHours({ timeZone: 'Europe/Paris', holidays: ['2026-12-25'] })
 * office.within(Date.parse('2026-12-01T10:00:00Z')) // true: Tuesday 11:00 in Paris
 * office.within(Date.parse('2026-12-25T10:00:00Z')) // false: holiday
 * ```
 */
export function parseBusinessHours(config: BusinessHoursConfig): TemporalConstraint {
  if (typeof config !== 'object' || config === null) throw new TypeError('Business hours must be an object')
  const window = parseTimeWindow({
    timeZone: config.timeZone,
    days: config.days ?? ['mon', 'tue', 'wed', 'thu', 'fri'],
    start: config.start ?? '09:00',
    end: config.end ?? '17:00',
  })
  const holidays = parseHolidays(config.holidays)
  return {
    within(instantMs) {
      const date = window.occurrenceDate(instantMs)
      return date !== undefined && !holidays.has(date)
    },
  }
}

/** Status of an instant against a validity period. */
export type ValidityStatus = 'not_yet_valid' | 'valid' | 'expired'

/** A compiled validity period. */
export interface Validity extends TemporalConstraint {
  status(instantMs: number): ValidityStatus
}

function finite(instantMs: unknown): number {
  if (typeof instantMs !== 'number' || !Number.isFinite(instantMs)) {
    throw new ConditionError('The current time must be a finite number of epoch milliseconds')
  }
  return instantMs
}

function configInstant(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined
  const ms = parseInstant(value)
  if (ms === undefined) throw new TypeError(`${field} must be an ISO-8601 instant with an offset, got ${describeValue(value)}`)
  return ms
}

/**
 * A validity period `[notBefore, notAfter)`: valid from `notBefore` (inclusive) until
 * `notAfter` (exclusive, like a JWT `exp`). Either bound may be omitted, not both. Throws a
 * `TypeError` when a bound is not a strict ISO-8601 instant or `notBefore >= notAfter`.
 *
 * @example
 * ```ts
 * const contract = parseValidity({ notBefore: '2026-01-01T00:00:00Z', notAfter: '2027-01-01T00:00:00Z' })
 * contract.status(Date.parse('2027-01-01T00:00:00Z')) // 'expired'
 * ```
 */
export function parseValidity(config: { notBefore?: string; notAfter?: string }): Validity {
  if (typeof config !== 'object' || config === null) throw new TypeError('A validity period must be an object')
  const notBefore = configInstant(config.notBefore, 'notBefore')
  const notAfter = configInstant(config.notAfter, 'notAfter')
  if (notBefore === undefined && notAfter === undefined) throw new TypeError('A validity period needs notBefore, notAfter or both')
  if (notBefore !== undefined && notAfter !== undefined && notBefore >= notAfter) {
    throw new TypeError('notBefore must be earlier than notAfter')
  }
  const status = (instantMs: number): ValidityStatus => {
    const now = finite(instantMs)
    if (notBefore !== undefined && now < notBefore) return 'not_yet_valid'
    if (notAfter !== undefined && now >= notAfter) return 'expired'
    return 'valid'
  }
  return { status, within: (instantMs) => status(instantMs) === 'valid' }
}

/**
 * Expiry of request data (a grant's or a document's `expiresAt` attribute): true when
 * `nowMs >= expiresAt`. An `expiresAt` that is not a strict ISO-8601 instant or a `Date`
 * throws a {@link ConditionError}, so a malformed date never reads as "not expired".
 *
 * @example
 * ```ts
 * isExpired(resource.expiresAt, Date.now())
 * ```
 */
export function isExpired(expiresAt: unknown, nowMs: number): boolean {
  const expiry = parseInstant(expiresAt)
  if (expiry === undefined) throw new ConditionError(`The expiry ${describeValue(expiresAt)} is not an ISO-8601 instant`)
  return finite(nowMs) >= expiry
}
