import { integerOption } from '../internal/option-checks.js'
import type { AnomalyCheck, GeoLocation } from './anomaly-signal.js'
import { checkOptions, scoreOption } from './check-options.js'
import { RecentValues } from './recent-values.js'

/** Options of {@link newCountryCheck}. */
export interface NewCountryCheckOptions {
  /** Score of the signal, 0-100. Default 50. */
  readonly score?: number
  /** Countries remembered per key (1-16). Default 4. */
  readonly remember?: number
}

const COUNTRY = /^[A-Za-z]{2}$/

/** The ISO 3166-1 alpha-2 code of a location, upper case; `undefined` when absent or malformed. */
export function countryOf(location: GeoLocation | undefined): string | undefined {
  const country = location?.country
  return typeof country === 'string' && COUNTRY.test(country) ? country.toUpperCase() : undefined
}

/**
 * `new_country`: the key is used from a country none of its last `remember` countries, as the
 * detector's `locate` function places the client address. Needs `locate`; a request whose
 * country is unknown is not assessed. The detail names the country (`country: 'AU'`).
 *
 * @example
 * ```ts
 * import { createAnomalyDetector, newCountryCheck } from '@portcullis/core'
 * declare const lookup: (ip: string) => { country?: string } | undefined
 * createAnomalyDetector({ locate: lookup, checks: [newCountryCheck({ score: 60 })] })
 * ```
 */
export function newCountryCheck(options?: NewCountryCheckOptions): AnomalyCheck {
  const given = checkOptions(options, 'newCountryCheck', ['remember'])
  const score = scoreOption(given.score, 'newCountryCheck', 50)
  const remember = integerOption(given.remember, 'newCountryCheck.remember', 4, 1, 16)
  return Object.freeze({
    kind: 'new_country',
    requires: 'location' as const,
    start: (observation: { location: GeoLocation | undefined; time: number }) => new RecentValues(remember, countryOf(observation.location), observation.time),
    check(observation: { location: GeoLocation | undefined; time: number }, recent: RecentValues) {
      const country = countryOf(observation.location)
      if (country === undefined) return undefined
      if (recent.count === 0) {
        recent.note(country, observation.time)
        return undefined
      }
      return recent.note(country, observation.time) ? { score, detail: { country } } : undefined
    },
  })
}
