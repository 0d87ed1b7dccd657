import { numberOption } from '../internal/option-checks.js'
import { scaledScore, type AnomalyCheck, type AnomalyObservation } from './anomaly-signal.js'
import { checkOptions, scoreOption } from './check-options.js'
import { haversineKm, hasCoordinates } from './geo-distance.js'
import { countryOf } from './new-country-check.js'

/** Options of {@link impossibleTravelCheck}. */
export interface ImpossibleTravelCheckOptions {
  /**
   * Score at the speed limit, 0-100; it rises on a log scale to 100 at ten times the limit.
   * Default 80.
   */
  readonly score?: number
  /** Fastest plausible travel, in km/h (1 to 100000). Default 1000 (an airliner). */
  readonly maxSpeedKmh?: number
  /**
   * Moves shorter than this (km, 0 to 20000) are never flagged, however fast: geo-IP places an
   * address within tens to hundreds of km, and two networks of one city can be far apart in
   * its database. Default 500.
   */
  readonly minDistanceKm?: number
}

/** Where a key was last seen. */
interface LastPosition {
  latitude: number
  longitude: number
  time: number
  country: string | undefined
  known: boolean
}

/**
 * `impossible_travel`: two requests of one key from places farther apart than anybody could
 * travel in the time between them (haversine distance over elapsed time above `maxSpeedKmh`,
 * the distance at least `minDistanceKm`). Needs `locate` with coordinates; requests without
 * them are not assessed. The detail holds `distance_km`, `elapsed_s`, `speed_kmh` (absent for
 * requests of the same millisecond) and the
 * countries when known, never coordinates.
 *
 * @example
 * ```ts
 * import { createAnomalyDetector, impossibleTravelCheck } from '@portcullis/core'
 * declare const lookup: (ip: string) => { latitude?: number; longitude?: number } | undefined
 * createAnomalyDetector({ locate: lookup, checks: [impossibleTravelCheck({ maxSpeedKmh: 900 })] })
 * ```
 */
export function impossibleTravelCheck(options?: ImpossibleTravelCheckOptions): AnomalyCheck {
  const given = checkOptions(options, 'impossibleTravelCheck', ['maxSpeedKmh', 'minDistanceKm'])
  const base = scoreOption(given.score, 'impossibleTravelCheck', 80)
  const maxSpeed = numberOption(given.maxSpeedKmh, 'impossibleTravelCheck.maxSpeedKmh', 1000, 'km/h', 1, 100_000)
  const minDistance = numberOption(given.minDistanceKm, 'impossibleTravelCheck.minDistanceKm', 500, 'km', 0, 20_000)
  const place = (o: AnomalyObservation, into: LastPosition): LastPosition => {
    if (!hasCoordinates(o.location)) return into
    into.latitude = o.location.latitude
    into.longitude = o.location.longitude
    into.time = o.time
    into.country = countryOf(o.location)
    into.known = true
    return into
  }
  return Object.freeze({
    kind: 'impossible_travel',
    requires: 'location' as const,
    start: (o: AnomalyObservation) => place(o, { latitude: 0, longitude: 0, time: 0, country: undefined, known: false }),
    check(o: AnomalyObservation, last: LastPosition) {
      if (!hasCoordinates(o.location)) return undefined
      if (!last.known) {
        place(o, last)
        return undefined
      }
      const distance = haversineKm(last.latitude, last.longitude, o.location.latitude, o.location.longitude)
      const elapsedMs = Math.max(0, o.time - last.time)
      const from = last.country
      place(o, last)
      if (distance < minDistance) return undefined
      // Zero elapsed time: any distance past the minimum is infinitely fast.
      const speed = elapsedMs === 0 ? Number.POSITIVE_INFINITY : distance / (elapsedMs / 3_600_000)
      if (!(speed > maxSpeed)) return undefined
      const to = last.country
      return {
        score: scaledScore(base, speed / maxSpeed),
        detail: {
          distance_km: Math.round(distance),
          elapsed_s: Math.round(elapsedMs / 1000),
          // Absent when both requests came in the same millisecond (no finite speed).
          ...(Number.isFinite(speed) ? { speed_kmh: Math.round(speed) } : {}),
          ...(from === undefined ? {} : { from_country: from }),
          ...(to === undefined ? {} : { to_country: to }),
        },
      }
    },
  })
}
