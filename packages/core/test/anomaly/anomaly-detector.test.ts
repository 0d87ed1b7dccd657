import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import {
  createAnomalyDetector,
  defaultNetworkZone,
  impossibleTravelCheck,
  newCountryCheck,
  newZoneCheck,
  NO_ANOMALIES,
  rateSpikeCheck,
  type AnomalyCheck,
  type GeoLocation,
  type PortcullisError,
} from '@portcullis/core'

const T0 = Date.UTC(2026, 0, 1)
const MINUTE = 60_000
const HOUR = 60 * MINUTE

// A geo-IP stand-in: documentation ranges placed in known cities.
const PLACES: Record<string, GeoLocation> = {
  '192.0.2': { country: 'FR', latitude: 48.8566, longitude: 2.3522 }, // Paris
  '198.51.100': { country: 'AU', latitude: -33.8688, longitude: 151.2093 }, // Sydney
  '203.0.113': { country: 'FR', latitude: 45.764, longitude: 4.8357 }, // Lyon (392 km from Paris)
  '100.64.0': { country: 'DE', latitude: 52.52, longitude: 13.405 }, // Berlin (878 km from Paris)
}
const locate = (ip: string): GeoLocation | undefined => PLACES[ip.slice(0, ip.lastIndexOf('.'))]

function configError(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    expect((error as PortcullisError).code).toBe('invalid_configuration')
    return (error as Error).message
  }
  throw new Error('expected a configuration error')
}

describe('createAnomalyDetector', () => {
  it('the first sighting of a key is never an anomaly, whatever it looks like', () => {
    const detector = createAnomalyDetector({ locate })
    expect(detector.observe('k', '198.51.100.7', T0)).toBe(NO_ANOMALIES)
    expect(detector.kinds).toEqual(['new_zone', 'rate_spike', 'new_country', 'impossible_travel'])
  })

  it('a request like the previous ones returns the shared empty report (no allocation for the report)', () => {
    const detector = createAnomalyDetector({ locate })
    for (let i = 0; i < 50; i++) expect(detector.observe('k', '192.0.2.10', T0 + i * MINUTE)).toBe(NO_ANOMALIES)
    expect(NO_ANOMALIES).toEqual({ score: 0, kinds: [], signals: [] })
    expect(Object.isFrozen(NO_ANOMALIES)).toBe(true)
  })

  it('keys have histories of their own', () => {
    const detector = createAnomalyDetector()
    detector.observe('alice', '192.0.2.1', T0)
    expect(detector.observe('bob', '198.51.100.1', T0 + 1000)).toBe(NO_ANOMALIES)
    expect(detector.observe('alice', '198.51.100.1', T0 + 2000).kinds).toEqual(['new_zone'])
  })

  it('a key idle longer than maxIdle starts over: its next request is a first sighting', () => {
    const detector = createAnomalyDetector({ maxIdle: 3600, hold: 0 })
    detector.observe('k', '192.0.2.1', T0)
    expect(detector.observe('k', '198.51.100.1', T0 + HOUR + 1).signals).toEqual([])
    expect(detector.observe('k', '100.64.0.1', T0 + HOUR + 2).kinds).toEqual(['new_zone'])
  })

  it('memory is bounded: 100,000 keys through a detector of 1,000 entries keep 1,000', () => {
    const detector = createAnomalyDetector({ maxEntries: 1000 })
    for (let i = 0; i < 100_000; i++) detector.observe(`key-${i}`, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, T0 + i)
    expect(detector.size).toBe(1000)
    // The most recent keys are the ones kept: key-99999 has history, key-0 has none.
    expect(detector.observe('key-99999', '198.51.100.1', T0 + 200_000).kinds).toEqual(['new_zone'])
    expect(detector.observe('key-0', '198.51.100.1', T0 + 200_000)).toBe(NO_ANOMALIES)
  })

  it('holds the strongest signal on the key\'s later requests for `hold` seconds, marked held', () => {
    const detector = createAnomalyDetector({ locate, hold: 600 })
    detector.observe('k', '192.0.2.1', T0)
    const fresh = detector.observe('k', '198.51.100.1', T0 + 10 * MINUTE)
    expect(fresh.kinds).toEqual(['new_zone', 'new_country', 'impossible_travel'])
    expect(fresh.signals.every((s) => !s.held)).toBe(true)
    const retry = detector.observe('k', '198.51.100.1', T0 + 11 * MINUTE)
    expect(retry.signals).toEqual([{ ...fresh.signals[2], held: true }])
    expect(retry.score).toBe(fresh.score)
    // The same frozen report for every retry, until the hold ends.
    expect(detector.observe('k', '198.51.100.1', T0 + 12 * MINUTE)).toBe(retry)
    expect(detector.observe('k', '198.51.100.1', T0 + 21 * MINUTE)).toBe(NO_ANOMALIES)
  })

  it('forget() drops a key\'s history; clear() drops all', () => {
    const detector = createAnomalyDetector()
    detector.observe('k', '192.0.2.1', T0)
    expect(detector.forget('k')).toBe(true)
    expect(detector.observe('k', '198.51.100.1', T0 + 1)).toBe(NO_ANOMALIES)
    detector.clear()
    expect(detector.size).toBe(0)
  })

  it('a throwing locate or check is ignored for that request; the others still run', () => {
    const broken: AnomalyCheck = { kind: 'broken', start: () => ({}), check: () => { throw new Error('bug') } }
    const detector = createAnomalyDetector({ locate: () => { throw new Error('db closed') }, checks: [broken, newZoneCheck()] })
    detector.observe('k', '192.0.2.1', T0)
    expect(detector.observe('k', '198.51.100.1', T0 + 1).kinds).toEqual(['new_zone'])
  })

  it('custom checks: kind, clamped integer score, plain bounded detail', () => {
    const odd: AnomalyCheck<{ n: number }> = {
      kind: 'odd_request',
      start: () => ({ n: 1 }),
      check: (_o, state) => (++state.n % 2 === 1 ? { score: 250.4, detail: { n: state.n, nested: { no: 1 } as unknown as string, long: 'x'.repeat(500) } } : undefined),
    }
    const detector = createAnomalyDetector({ checks: [odd], hold: 0 })
    detector.observe('k', undefined, T0)
    expect(detector.observe('k', undefined, T0 + 1)).toBe(NO_ANOMALIES)
    const report = detector.observe('k', undefined, T0 + 2)
    expect(report).toEqual({ score: 100, kinds: ['odd_request'], signals: [{ kind: 'odd_request', score: 100, detail: { n: 3, long: 'x'.repeat(128) }, at: T0 + 2, held: false }] })
    expect(Object.isFrozen(report.signals[0]?.detail)).toBe(true)
  })

  it('refuses bad options with invalid_configuration naming the option', () => {
    expect(configError(() => createAnomalyDetector({ key: 'ip' as 'token' }))).toMatch(/key must be/)
    expect(configError(() => createAnomalyDetector({ maxEntries: 0 }))).toMatch(/maxEntries/)
    expect(configError(() => createAnomalyDetector({ hold: -1 }))).toMatch(/hold/)
    expect(configError(() => createAnomalyDetector({ checks: [impossibleTravelCheck()] }))).toMatch(/needs locate/)
    expect(configError(() => createAnomalyDetector({ checks: [newZoneCheck(), newZoneCheck()] }))).toMatch(/two checks/)
    expect(configError(() => createAnomalyDetector({ checks: [{ kind: 'Bad Kind', start: () => 0, check: () => undefined }] }))).toMatch(/kind/)
    expect(configError(() => createAnomalyDetector({ lokate: locate } as never))).toMatch(/lokate is not an option/)
    expect(configError(() => rateSpikeCheck({ factor: 1 }))).toMatch(/rateSpikeCheck.factor/)
    expect(configError(() => newZoneCheck({ score: 0.5 }))).toMatch(/newZoneCheck.score/)
    expect(configError(() => impossibleTravelCheck({ maxSpeedKmh: 0 }))).toMatch(/maxSpeedKmh/)
  })
})

describe('new_zone', () => {
  it('IPv4 /24 and IPv6 /48 by default: moving inside them is not new', () => {
    expect(defaultNetworkZone('203.0.113.7')).toBe('203.0.113.0/24')
    expect(defaultNetworkZone('2001:db8:1:2::7')).toBe('2001:db8:1::/48')
    expect(defaultNetworkZone('::ffff:10.1.2.3')).toBe('10.1.2.0/24')
    expect(defaultNetworkZone('not-an-ip')).toBeUndefined()
    const detector = createAnomalyDetector({ checks: [newZoneCheck()], hold: 0 })
    detector.observe('k', '203.0.113.7', T0)
    expect(detector.observe('k', '203.0.113.200', T0 + 1)).toBe(NO_ANOMALIES)
    detector.observe('v6', '2001:db8:1:2::7', T0)
    expect(detector.observe('v6', '2001:db8:1:ffff::1', T0 + 1)).toBe(NO_ANOMALIES)
    expect(detector.observe('v6', '2001:db8:2::1', T0 + 2)).toMatchObject({ score: 25, kinds: ['new_zone'] })
  })

  it('remembers the last `remember` zones, replacing the one seen longest ago', () => {
    const detector = createAnomalyDetector({ checks: [newZoneCheck({ remember: 2, score: 30 })], hold: 0 })
    detector.observe('k', '192.0.2.1', T0) // home
    expect(detector.observe('k', '198.51.100.1', T0 + 1).score).toBe(30)
    expect(detector.observe('k', '192.0.2.1', T0 + 2)).toBe(NO_ANOMALIES) // home, refreshed
    expect(detector.observe('k', '100.64.0.1', T0 + 3).score).toBe(30) // evicts 198.51.100
    expect(detector.observe('k', '192.0.2.1', T0 + 4)).toBe(NO_ANOMALIES)
    expect(detector.observe('k', '198.51.100.1', T0 + 5).score).toBe(30)
  })

  it('a custom zone function (e.g. by ASN); an unknown address is not assessed', () => {
    const asn = (ip: string): string | undefined => (ip.startsWith('192.0.2.') || ip.startsWith('198.51.100.') ? 'AS64500' : undefined)
    const detector = createAnomalyDetector({ checks: [newZoneCheck({ zone: asn })], hold: 0 })
    detector.observe('k', '192.0.2.1', T0)
    expect(detector.observe('k', '198.51.100.1', T0 + 1)).toBe(NO_ANOMALIES)
    expect(detector.observe('k', '100.64.0.1', T0 + 2)).toBe(NO_ANOMALIES)
    expect(detector.observe('k', undefined, T0 + 3)).toBe(NO_ANOMALIES)
  })
})

describe('new_country', () => {
  it('flags a country none of the recent ones, naming it; unknown countries are not assessed', () => {
    const detector = createAnomalyDetector({ locate, checks: [newCountryCheck()], hold: 0 })
    detector.observe('k', '192.0.2.1', T0)
    expect(detector.observe('k', '203.0.113.1', T0 + HOUR)).toBe(NO_ANOMALIES) // FR again
    expect(detector.observe('k', '10.0.0.1', T0 + HOUR)).toBe(NO_ANOMALIES) // unknown
    const report = detector.observe('k', '100.64.0.1', T0 + 2 * HOUR)
    expect(report.signals.map((s) => [s.kind, s.score, s.detail])).toEqual([['new_country', 50, { country: 'DE' }]])
  })
})

describe('impossible_travel', () => {
  it('Paris then Sydney ten minutes later is impossible; the detail has distance, time and speed, no coordinates', () => {
    const detector = createAnomalyDetector({ locate, checks: [impossibleTravelCheck()], hold: 0 })
    detector.observe('k', '192.0.2.1', T0)
    const [signal] = detector.observe('k', '198.51.100.1', T0 + 10 * MINUTE).signals
    expect(signal).toMatchObject({ kind: 'impossible_travel', score: 100, held: false })
    expect(signal?.detail).toEqual({ distance_km: 16_961, elapsed_s: 600, speed_kmh: 101_763, from_country: 'FR', to_country: 'AU' })
  })

  it('a day later the same trip is possible', () => {
    const detector = createAnomalyDetector({ locate, checks: [impossibleTravelCheck()] })
    detector.observe('k', '192.0.2.1', T0)
    expect(detector.observe('k', '198.51.100.1', T0 + 24 * HOUR)).toBe(NO_ANOMALIES)
  })

  it('moves under minDistanceKm are geo-IP noise, however fast; past it the score rises with the speed', () => {
    const detector = createAnomalyDetector({ locate, checks: [impossibleTravelCheck({ minDistanceKm: 500 })], hold: 0 })
    detector.observe('k', '192.0.2.1', T0)
    expect(detector.observe('k', '203.0.113.1', T0 + 1000)).toBe(NO_ANOMALIES) // Lyon, 392 km in 1 s
    // Lyon -> Berlin (~ 730 km): 40 min is ~1100 km/h, just over; 1 min is ~44000 km/h.
    const slow = detector.observe('k', '100.64.0.1', T0 + 1000 + 40 * MINUTE)
    expect(slow.kinds).toEqual(['impossible_travel'])
    expect(slow.score).toBeGreaterThanOrEqual(80)
    expect(slow.score).toBeLessThan(85)
    detector.observe('k', '203.0.113.1', T0 + 30 * HOUR)
    expect(detector.observe('k', '100.64.0.1', T0 + 30 * HOUR + MINUTE).score).toBe(100)
  })

  it('two requests in the same millisecond far apart are flagged, without a speed', () => {
    const detector = createAnomalyDetector({ locate, checks: [impossibleTravelCheck()], hold: 0 })
    detector.observe('k', '192.0.2.1', T0)
    expect(detector.observe('k', '198.51.100.1', T0).signals[0]?.detail).toEqual({ distance_km: 16_961, elapsed_s: 0, from_country: 'FR', to_country: 'AU' })
  })

  it('property: never flags a move slower than maxSpeedKmh or shorter than minDistanceKm', () => {
    const point = fc.record({ latitude: fc.double({ min: -90, max: 90, noNaN: true }), longitude: fc.double({ min: -180, max: 180, noNaN: true }) })
    fc.assert(
      fc.property(point, point, fc.integer({ min: 0, max: 48 * HOUR }), (a, b, elapsed) => {
        const where: Record<string, GeoLocation> = { '10.0.0.1': a, '10.0.1.1': b }
        const detector = createAnomalyDetector({ locate: (ip) => where[ip], checks: [impossibleTravelCheck({ maxSpeedKmh: 1000, minDistanceKm: 300 })] })
        detector.observe('k', '10.0.0.1', T0)
        const report = detector.observe('k', '10.0.1.1', T0 + elapsed)
        const rad = Math.PI / 180
        const h = Math.sin(((b.latitude - a.latitude) * rad) / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(((b.longitude - a.longitude) * rad) / 2) ** 2
        const km = 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)))
        const possible = km < 300 || (elapsed > 0 && km / (elapsed / HOUR) <= 1000)
        expect(report.kinds.includes('impossible_travel')).toBe(!possible)
      }),
      { numRuns: 500 },
    )
  })
})

describe('rate_spike', () => {
  /** Sends `count` requests `gap` ms apart from `start`; returns the reports and the next time. */
  function run(detector: ReturnType<typeof createAnomalyDetector>, start: number, count: number, gap: number) {
    const reports = []
    let time = start
    for (let i = 0; i < count; i++, time += gap) reports.push(detector.observe('k', '192.0.2.1', time))
    return { reports, next: time }
  }

  it('a steady key never spikes against itself, at any rate', () => {
    for (const gap of [50, 1000, MINUTE]) {
      const detector = createAnomalyDetector({ checks: [rateSpikeCheck()] })
      expect(run(detector, T0, 500, gap).reports.every((r) => r === NO_ANOMALIES)).toBe(true)
    }
  })

  it('a burst at 100 times a two-hour baseline is raised once, with the rates', () => {
    const detector = createAnomalyDetector({ checks: [rateSpikeCheck()], hold: 0 })
    const { next } = run(detector, T0, 120, MINUTE) // 1 per minute for two hours
    const burst = run(detector, next, 100, 600).reports // 100 per minute
    const raised = burst.filter((r) => r.signals.length > 0)
    expect(raised).toHaveLength(1)
    const [signal] = raised[0]?.signals ?? []
    expect(signal?.kind).toBe('rate_spike')
    expect(signal?.score).toBeGreaterThanOrEqual(50)
    expect(signal?.detail['rate_per_min']).toBeGreaterThanOrEqual(30)
    expect(Number(signal?.detail['rate_per_min'])).toBeGreaterThan(10 * Number(signal?.detail['baseline_per_min']))
  })

  it('no spike before `warmup` requests, nor under `minimumRate`', () => {
    const young = createAnomalyDetector({ checks: [rateSpikeCheck({ warmup: 200 })] })
    const { next } = run(young, T0, 120, MINUTE)
    expect(run(young, next, 60, 600).reports.every((r) => r === NO_ANOMALIES)).toBe(true)
    const slow = createAnomalyDetector({ checks: [rateSpikeCheck({ minimumRate: 1000 })] })
    const later = run(slow, T0, 120, MINUTE).next
    expect(run(slow, later, 100, 600).reports.every((r) => r === NO_ANOMALIES)).toBe(true)
  })

  it('raised again only after the rate fell back', () => {
    const detector = createAnomalyDetector({ checks: [rateSpikeCheck()], hold: 0 })
    let { next } = run(detector, T0, 180, MINUTE)
    const first = run(detector, next, 100, 600)
    next = run(detector, first.next, 120, MINUTE).next // calm again
    const second = run(detector, next, 150, 400)
    expect([first, second].map((b) => b.reports.filter((r) => r.signals.length > 0).length)).toEqual([1, 1])
  })
})
