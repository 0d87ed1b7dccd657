import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { ConditionError } from '../../src/operators/condition-error.js'
import { parseTimeWindow } from '../../src/operators/time-of-day.js'
import { localTime, previousDate, validateTimeZone } from '../../src/operators/zoned-time.js'

const at = (iso: string): number => Date.parse(iso)

describe('validateTimeZone / localTime', () => {
  it('returns the canonical IANA name and refuses unknown zones and offsets', () => {
    expect(validateTimeZone('Europe/Paris')).toBe('Europe/Paris')
    expect(validateTimeZone('utc')).toBe('UTC')
    for (const zone of ['Mars/Olympus', '+01:00', '', 'x'.repeat(1000), '__proto__', 42, undefined]) {
      expect(() => validateTimeZone(zone)).toThrow(TypeError)
    }
  })

  it('reads the wall clock (2026-12-01 is a Tuesday)', () => {
    expect(localTime(at('2026-12-01T08:30:00Z'), 'Europe/Paris')).toEqual({ date: '2026-12-01', weekday: 1, minutes: 570 })
    expect(localTime(at('2026-12-01T00:15:00Z'), 'UTC')).toEqual({ date: '2026-12-01', weekday: 1, minutes: 15 })
    expect(localTime(at('2026-12-01T02:00:00Z'), 'America/Los_Angeles')).toEqual({ date: '2026-11-30', weekday: 0, minutes: 1080 })
    expect(() => localTime(NaN, 'UTC')).toThrow(ConditionError)
    expect(() => localTime(Infinity, 'UTC')).toThrow(ConditionError)
    // A zone from request data: an error the engine maps to Indeterminate, not a RangeError.
    expect(() => localTime(0, 'Mars/Olympus')).toThrow(ConditionError)
    expect(() => localTime(0, undefined as never)).toThrow(ConditionError)
  })

  it('previousDate crosses months, leap days and years', () => {
    expect(previousDate('2026-03-01')).toBe('2026-02-28')
    expect(previousDate('2024-03-01')).toBe('2024-02-29')
    expect(previousDate('2027-01-01')).toBe('2026-12-31')
  })
})

describe('parseTimeWindow', () => {
  it('a day window in a zone, start inclusive and end exclusive', () => {
    const office = parseTimeWindow({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00', timeZone: 'Europe/Paris' })
    expect(office.timeZone).toBe('Europe/Paris')
    expect(office.within(at('2026-12-01T07:59:59Z'))).toBe(false) // 08:59:59 Paris
    expect(office.within(at('2026-12-01T08:00:00Z'))).toBe(true) // 09:00 Paris
    expect(office.within(at('2026-12-01T15:59:59Z'))).toBe(true)
    expect(office.within(at('2026-12-01T16:00:00Z'))).toBe(false) // 17:00 Paris
    expect(office.within(at('2026-12-05T10:00:00Z'))).toBe(false) // Saturday
    expect(office.occurrenceDate(at('2026-12-01T10:00:00Z'))).toBe('2026-12-01')
  })

  it('uses the zone, not UTC: late Monday in Los Angeles is Tuesday in UTC', () => {
    const monday = parseTimeWindow({ days: ['MON'], start: '17:00', end: '24:00', timeZone: 'America/Los_Angeles' })
    expect(monday.within(at('2026-12-01T02:00:00Z'))).toBe(true) // Mon 18:00 in LA
    expect(monday.within(at('2026-12-01T08:00:00Z'))).toBe(false) // Tue 00:00 in LA
  })

  it('crosses midnight: the early part belongs to the previous day occurrence', () => {
    const friNight = parseTimeWindow({ days: ['fri'], start: '22:00', end: '06:00', timeZone: 'UTC' })
    expect(friNight.within(at('2026-12-04T22:00:00Z'))).toBe(true) // Fri 22:00
    expect(friNight.within(at('2026-12-05T05:59:00Z'))).toBe(true) // Sat 05:59
    expect(friNight.occurrenceDate(at('2026-12-05T05:59:00Z'))).toBe('2026-12-04')
    expect(friNight.within(at('2026-12-05T06:00:00Z'))).toBe(false)
    expect(friNight.within(at('2026-12-04T05:00:00Z'))).toBe(false) // Fri 05:00 belongs to Thursday's night
    expect(friNight.within(at('2026-12-05T22:30:00Z'))).toBe(false) // Sat 22:30
    expect(friNight.within(at('2026-12-04T12:00:00Z'))).toBe(false)
  })

  it('follows the wall clock across DST (Europe/Paris, 2026)', () => {
    const early = parseTimeWindow({ start: '02:00', end: '03:00', timeZone: 'Europe/Paris' })
    // Spring forward, 29 March: 02:00-03:00 local does not exist; 01:59 CET is followed by 03:00 CEST.
    expect(early.within(at('2026-03-29T00:59:00Z'))).toBe(false) // 01:59 CET
    expect(early.within(at('2026-03-29T01:00:00Z'))).toBe(false) // 03:00 CEST
    // Fall back, 25 October: 02:30 local happens twice, in both offsets.
    expect(early.within(at('2026-10-25T00:30:00Z'))).toBe(true) // 02:30 CEST
    expect(early.within(at('2026-10-25T01:30:00Z'))).toBe(true) // 02:30 CET
    const nine = parseTimeWindow({ start: '09:00', end: '10:00', timeZone: 'Europe/Paris' })
    expect(nine.within(at('2026-03-27T08:30:00Z'))).toBe(true) // 09:30 CET, before the change
    expect(nine.within(at('2026-03-30T07:30:00Z'))).toBe(true) // 09:30 CEST, after the change
    expect(nine.within(at('2026-03-30T08:30:00Z'))).toBe(false) // 10:30 CEST
  })

  it('covers a whole day with 00:00-24:00', () => {
    const all = parseTimeWindow({ days: ['sun'], start: '00:00', end: '24:00', timeZone: 'UTC' })
    expect(all.within(at('2026-11-29T00:00:00Z'))).toBe(true)
    expect(all.within(at('2026-11-29T23:59:59Z'))).toBe(true)
    expect(all.within(at('2026-11-30T00:00:00Z'))).toBe(false)
  })

  it.each([
    [{ start: '9:00', end: '17:00', timeZone: 'UTC' }, /HH:MM/],
    [{ start: '09:00', end: '17:60', timeZone: 'UTC' }, /HH:MM/],
    [{ start: '24:00', end: '01:00', timeZone: 'UTC' }, /HH:MM/],
    [{ start: '09:00', end: '09:00', timeZone: 'UTC' }, /equal/],
    [{ start: '09:00:00', end: '17:00', timeZone: 'UTC' }, /HH:MM/],
    [{ start: 900, end: '17:00', timeZone: 'UTC' }, /HH:MM/],
    [{ start: '09:00', end: '17:00', timeZone: 'Europe/Atlantis' }, /time zone/],
    [{ start: '09:00', end: '17:00' }, /time zone/],
    [{ days: [], start: '09:00', end: '17:00', timeZone: 'UTC' }, /non-empty/],
    [{ days: ['monday'], start: '09:00', end: '17:00', timeZone: 'UTC' }, /Unknown day/],
    [{ days: ['__proto__'], start: '09:00', end: '17:00', timeZone: 'UTC' }, /Unknown day/],
    [{ days: 'mon', start: '09:00', end: '17:00', timeZone: 'UTC' }, /non-empty/],
  ])('refuses %p with a TypeError', (config, message) => {
    expect(() => parseTimeWindow(config as never)).toThrow(TypeError)
    expect(() => parseTimeWindow(config as never)).toThrow(message)
  })

  it('refuses a non-object and throws a ConditionError for a non-finite instant', () => {
    expect(() => parseTimeWindow(null as never)).toThrow(TypeError)
    const window = parseTimeWindow({ start: '09:00', end: '17:00', timeZone: 'UTC' })
    expect(() => window.within(NaN)).toThrow(ConditionError)
    expect(() => window.within('2026-12-01' as never)).toThrow(ConditionError)
  })

  const clock = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(
    ([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`,
  )
  const instant = fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) })
  const zone = fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham')

  it('[a, b) and [b, a) partition every day: over-midnight symmetry (property)', () => {
    fc.assert(
      fc.property(clock, clock, instant, zone, (a, b, t, timeZone) => {
        fc.pre(a !== b)
        const one = parseTimeWindow({ start: a, end: b, timeZone })
        const other = parseTimeWindow({ start: b, end: a, timeZone })
        expect(one.within(t) !== other.within(t)).toBe(true)
      }),
      { numRuns: 300 },
    )
  })

  it('an over-midnight window is the union of its two same-day parts, shifted by a day (property)', () => {
    fc.assert(
      fc.property(clock, clock, instant, fc.subarray(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], { minLength: 1 }), (a, b, t, days) => {
        fc.pre(a > b)
        const night = parseTimeWindow({ days, start: a, end: b, timeZone: 'UTC' })
        const evening = parseTimeWindow({ days, start: a, end: '24:00', timeZone: 'UTC' })
        const order = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']
        const nextDays = days.map((d) => order[(order.indexOf(d) + 1) % 7] as string)
        const morning = b === '00:00' ? undefined : parseTimeWindow({ days: nextDays, start: '00:00', end: b, timeZone: 'UTC' })
        expect(night.within(t)).toBe(evening.within(t) || (morning?.within(t) ?? false))
      }),
      { numRuns: 300 },
    )
  })
})
