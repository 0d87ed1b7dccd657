import { localTime, previousDate, validateTimeZone } from './zoned-time.js'

/** Days of the week, as written in policies (case-insensitive). */
export type DayOfWeek = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun'

const DAYS: readonly DayOfWeek[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']

/** Configuration of a recurring wall-clock window. */
export interface TimeWindowConfig {
  /** Days on which the window *starts* (an over-midnight window ends the next day). Default: every day. */
  days?: readonly string[]
  /** Local start time, `HH:MM` (00:00-23:59), inclusive. */
  start: string
  /** Local end time, `HH:MM` (00:00-24:00), exclusive. Earlier than `start` means the window crosses midnight. */
  end: string
  /** IANA time zone, validated with `Intl.DateTimeFormat`. */
  timeZone: string
}

/** A compiled time window. */
export interface TimeWindow {
  readonly timeZone: string
  /** True when the instant (epoch ms) falls in an occurrence of the window. */
  within(instantMs: number): boolean
  /**
   * The local date (`YYYY-MM-DD`) on which the occurrence containing `instantMs` started, or
   * `undefined` outside the window; lets callers apply holidays to over-midnight windows.
   */
  occurrenceDate(instantMs: number): string | undefined
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/

function parseClock(value: unknown, field: string, allowMidnightEnd: boolean): number {
  if (allowMidnightEnd && value === '24:00') return 1440
  const match = typeof value === 'string' ? HH_MM.exec(value) : null
  if (match === null) throw new TypeError(`Time window ${field} must be "HH:MM" (24-hour clock), got ${JSON.stringify(value)}`)
  return Number(match[1]) * 60 + Number(match[2])
}

function parseDays(days: unknown): ReadonlySet<number> {
  if (days === undefined) return new Set([0, 1, 2, 3, 4, 5, 6])
  if (!Array.isArray(days) || days.length === 0) throw new TypeError('Time window days must be a non-empty array such as ["mon", "fri"]')
  const set = new Set<number>()
  for (const day of days) {
    const index = typeof day === 'string' ? DAYS.indexOf(day.toLowerCase() as DayOfWeek) : -1
    if (index === -1) throw new TypeError(`Unknown day ${JSON.stringify(day)}: use mon, tue, wed, thu, fri, sat or sun`)
    set.add(index)
  }
  return set
}

/**
 * Compiles a recurring window of local wall-clock time, `[start, end)`, in an IANA zone.
 * `end` before `start` crosses midnight (`22:00`-`06:00`): the part after midnight belongs
 * to the occurrence that started the previous day, so `days: ['fri']` covers Friday 22:00 to
 * Saturday 06:00. Windows follow the wall clock across DST changes: on the spring-forward
 * day the skipped hour does not exist (a window inside it is empty that day) and on the
 * fall-back day a repeated local time is inside the window both times. `start === end` is
 * refused as ambiguous (use `00:00`-`24:00` for all day). Throws a `TypeError` on invalid
 * configuration; `within` throws a `ConditionError` for a non-finite instant.
 *
 * @example
 * ```ts
 * const night = parseTimeWindow({ days: ['mon', 'tue'], start: '22:00', end: '06:00', timeZone: 'Europe/Paris' })
 * night.within(Date.parse('2026-12-01T04:00:00Z')) // true: Tuesday 05:00 in Paris, from Monday's window
 * ```
 */
export function parseTimeWindow(config: TimeWindowConfig): TimeWindow {
  if (typeof config !== 'object' || config === null) throw new TypeError('A time window must be an object')
  const timeZone = validateTimeZone(config.timeZone)
  const start = parseClock(config.start, 'start', false)
  const end = parseClock(config.end, 'end', true)
  if (start === end) throw new TypeError('Time window start and end are equal: use "00:00" to "24:00" for a whole day')
  const days = parseDays(config.days)
  const crossesMidnight = end < start

  function occurrenceDate(instantMs: number): string | undefined {
    const local = localTime(instantMs, timeZone)
    if (!crossesMidnight) return days.has(local.weekday) && local.minutes >= start && local.minutes < end ? local.date : undefined
    if (local.minutes >= start && days.has(local.weekday)) return local.date
    if (local.minutes < end && days.has((local.weekday + 6) % 7)) return previousDate(local.date)
    return undefined
  }

  return {
    timeZone,
    occurrenceDate,
    within: (instantMs) => occurrenceDate(instantMs) !== undefined,
  }
}
