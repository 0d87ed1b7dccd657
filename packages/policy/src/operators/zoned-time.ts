import { ConditionError } from './condition-error.js'

/** Wall-clock reading of an instant in a time zone. */
export interface LocalTime {
  /** Local calendar date, `YYYY-MM-DD`. */
  readonly date: string
  /** Day of the week, 0 = Monday ... 6 = Sunday (ISO 8601 order). */
  readonly weekday: number
  /** Minutes since local midnight, 0-1439. */
  readonly minutes: number
}

// Formatters are costly to build, so they are cached. Zones normally come from configuration;
// the bound keeps a zone taken from request data from growing the cache without limit.
const formatters = new Map<string, Intl.DateTimeFormat>()
const MAX_FORMATTERS = 256
const WEEKDAYS: Readonly<Record<string, number>> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 }

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone)
  if (formatter === undefined) {
    // Intl reads an undefined zone as the server's zone: never a policy's intent.
    if (typeof timeZone !== 'string') throw new ConditionError('The time zone must be an IANA time zone name')
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        // h23, not hour12: false, which some ICU versions render as "24" at midnight.
        hourCycle: 'h23',
        year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short', hour: '2-digit', minute: '2-digit',
      })
    } catch (cause) {
      throw new ConditionError(`Unknown time zone ${JSON.stringify(String(timeZone).slice(0, 64))}`, { cause })
    }
    if (formatters.size >= MAX_FORMATTERS) formatters.clear()
    formatters.set(timeZone, formatter)
  }
  return formatter
}

/**
 * Validates an IANA time zone name with `Intl.DateTimeFormat` and returns its canonical
 * spelling (`utc` -> `UTC`). Throws a `TypeError` for anything Intl does not know, including
 * bare offsets such as `+01:00`, whose DST-less meaning is rarely what a policy wants.
 *
 * @example
 * ```ts
 * validateTimeZone('Europe/Paris') // 'Europe/Paris'
 * validateTimeZone('Mars/Olympus') // throws TypeError
 * ```
 */
export function validateTimeZone(timeZone: unknown): string {
  if (typeof timeZone !== 'string' || timeZone === '' || timeZone.length > 64) {
    throw new TypeError('timeZone must be an IANA time zone name such as "Europe/Paris"')
  }
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone
  } catch (cause) {
    throw new TypeError(`Unknown time zone ${JSON.stringify(timeZone)}`, { cause })
  }
}

/**
 * Reads the wall clock of `timeZone` at `instantMs` (epoch milliseconds). Throws a
 * {@link ConditionError} for a non-finite instant or an unknown zone (validate configured
 * zones with {@link validateTimeZone} at load time instead).
 *
 * @example
 * ```ts
 * localTime(Date.UTC(2026, 11, 1, 8, 30), 'Europe/Paris') // { date: '2026-12-01', weekday: 1, minutes: 570 }
 * ```
 */
export function localTime(instantMs: number, timeZone: string): LocalTime {
  if (typeof instantMs !== 'number' || !Number.isFinite(instantMs)) {
    throw new ConditionError('The current time must be a finite number of epoch milliseconds')
  }
  const parts: Record<string, string> = {}
  for (const part of formatterFor(timeZone).formatToParts(instantMs)) parts[part.type] = part.value
  const weekday = WEEKDAYS[parts.weekday ?? '']
  if (weekday === undefined) throw new ConditionError(`Cannot read the weekday in ${timeZone}`)
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    weekday,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
  }
}

/**
 * The calendar date before `date` (`YYYY-MM-DD`).
 *
 * @example
 * ```ts
 * previousDate('2026-03-01') // '2026-02-28'
 * ```
 */
export function previousDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number]
  const day = new Date(0)
  day.setUTCFullYear(y, m - 1, d - 1)
  return day.toISOString().slice(0, 10)
}
