import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { ConditionError } from '../../src/operators/condition-error.js'
import { isExpired, parseBusinessHours, parseTimeWindows, parseValidity } from '../../src/environment/temporal.js'

const at = (iso: string): number => Date.parse(iso)

describe('parseBusinessHours', () => {
  const office = parseBusinessHours({ timeZone: 'Europe/Paris', holidays: ['2026-12-25'] })

  it('defaults to Monday-Friday 09:00-17:00 in the zone', () => {
    expect(office.within(at('2026-12-01T10:00:00Z'))).toBe(true) // Tue 11:00 Paris
    expect(office.within(at('2026-12-01T07:30:00Z'))).toBe(false) // Tue 08:30 Paris
    expect(office.within(at('2026-12-01T16:00:00Z'))).toBe(false) // Tue 17:00 Paris
    expect(office.within(at('2026-12-06T10:00:00Z'))).toBe(false) // Sunday
  })

  it('is closed on holidays (local date, not UTC date)', () => {
    expect(office.within(at('2026-12-25T10:00:00Z'))).toBe(false)
    expect(office.within(at('2026-12-24T10:00:00Z'))).toBe(true)
    // 23:30 UTC on the 24th is already the 25th in Tokyo.
    const tokyo = parseBusinessHours({ timeZone: 'Asia/Tokyo', start: '08:00', end: '09:00', holidays: ['2026-12-25'] })
    expect(tokyo.within(at('2026-12-24T23:30:00Z'))).toBe(false)
    expect(tokyo.within(at('2026-12-23T23:30:00Z'))).toBe(true)
  })

  it('a holiday closes the night shift that starts on it, not the one ending on it', () => {
    const night = parseBusinessHours({ timeZone: 'UTC', days: ['thu', 'fri'], start: '22:00', end: '06:00', holidays: ['2026-12-25'] })
    expect(night.within(at('2026-12-25T02:00:00Z'))).toBe(true) // Thursday 24th's shift
    expect(night.within(at('2026-12-25T23:00:00Z'))).toBe(false) // Friday 25th's shift
    expect(night.within(at('2026-12-26T02:00:00Z'))).toBe(false)
  })

  it('follows DST (New York, 8 March 2026)', () => {
    const ny = parseBusinessHours({ timeZone: 'America/New_York' })
    expect(ny.within(at('2026-03-06T14:30:00Z'))).toBe(true) // Fri 09:30 EST
    expect(ny.within(at('2026-03-09T13:30:00Z'))).toBe(true) // Mon 09:30 EDT
    expect(ny.within(at('2026-03-09T12:30:00Z'))).toBe(false) // Mon 08:30 EDT
  })

  it('refuses invalid configuration', () => {
    for (const config of [
      { timeZone: 'Nowhere/City' }, { timeZone: 'UTC', holidays: ['2026-02-30'] }, { timeZone: 'UTC', holidays: ['25/12/2026'] },
      { timeZone: 'UTC', holidays: '2026-12-25' }, { timeZone: 'UTC', start: '9' }, { timeZone: 'UTC', days: ['xyz'] }, null,
    ]) {
      expect(() => parseBusinessHours(config as never)).toThrow(TypeError)
    }
  })

  it('throws a ConditionError for a non-finite instant', () => {
    expect(() => office.within(NaN)).toThrow(ConditionError)
  })
})

describe('parseTimeWindows', () => {
  it('is the union of its windows', () => {
    const maintenance = parseTimeWindows([
      { days: ['sat'], start: '22:00', end: '02:00', timeZone: 'UTC' },
      { days: ['wed'], start: '12:00', end: '13:00', timeZone: 'UTC' },
    ])
    // 2026-12-05 is a Saturday: its window runs until Sunday 02:00.
    expect(maintenance.within(at('2026-12-05T23:00:00Z'))).toBe(true)
    expect(maintenance.within(at('2026-12-06T01:59:00Z'))).toBe(true)
    expect(maintenance.within(at('2026-12-06T02:00:00Z'))).toBe(false)
    expect(maintenance.within(at('2026-12-06T23:00:00Z'))).toBe(false)
    expect(maintenance.within(at('2026-12-02T12:30:00Z'))).toBe(true)
    expect(maintenance.within(at('2026-12-02T13:00:00Z'))).toBe(false)
  })

  it('names the faulty window', () => {
    expect(() => parseTimeWindows([{ start: '09:00', end: '10:00', timeZone: 'UTC' }, { start: '9', end: '10:00', timeZone: 'UTC' }])).toThrow(/Time window 1/)
    expect(() => parseTimeWindows([])).toThrow(TypeError)
  })
})

describe('parseValidity / isExpired', () => {
  const period = parseValidity({ notBefore: '2026-01-01T00:00:00Z', notAfter: '2027-01-01T00:00:00+01:00' })

  it('is valid in [notBefore, notAfter)', () => {
    expect(period.status(at('2025-12-31T23:59:59.999Z'))).toBe('not_yet_valid')
    expect(period.status(at('2026-01-01T00:00:00Z'))).toBe('valid')
    expect(period.status(at('2026-12-31T22:59:59.999Z'))).toBe('valid')
    expect(period.status(at('2026-12-31T23:00:00Z'))).toBe('expired')
    expect(period.within(at('2026-06-01T00:00:00Z'))).toBe(true)
    expect(parseValidity({ notAfter: '2026-01-01' }).within(at('2025-06-01T00:00:00Z'))).toBe(true)
    expect(parseValidity({ notBefore: '2026-01-01' }).within(at('2025-06-01T00:00:00Z'))).toBe(false)
    expect(() => period.status(NaN)).toThrow(ConditionError)
  })

  it('refuses invalid bounds', () => {
    for (const config of [{}, { notAfter: '2026-01-01T00:00:00' }, { notBefore: 'tomorrow' }, { notAfter: 1796117400000 },
      { notBefore: '2026-01-02', notAfter: '2026-01-01' }, { notBefore: '2026-01-01', notAfter: '2026-01-01' }, null]) {
      expect(() => parseValidity(config as never)).toThrow(TypeError)
    }
  })

  it('isExpired is strict about request data', () => {
    expect(isExpired('2026-01-01T00:00:00Z', at('2026-01-01T00:00:00Z'))).toBe(true)
    expect(isExpired(new Date('2026-01-01T00:00:01Z'), at('2026-01-01T00:00:00Z'))).toBe(false)
    for (const bad of ['soon', 1796117400000, undefined, null, '2026-01-01T00:00:00', '__proto__']) {
      expect(() => isExpired(bad, Date.now())).toThrow(ConditionError)
    }
    expect(() => isExpired('2026-01-01', NaN)).toThrow(ConditionError)
  })

  it('status partitions time into three ordered phases (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4e12 }), fc.integer({ min: 1, max: 1e11 }), fc.integer({ min: -1e12, max: 6e12 }), (start, length, t) => {
        const p = parseValidity({ notBefore: new Date(start).toISOString(), notAfter: new Date(start + length).toISOString() })
        const expected = t < start ? 'not_yet_valid' : t >= start + length ? 'expired' : 'valid'
        expect(p.status(t)).toBe(expected)
      }),
    )
  })
})
