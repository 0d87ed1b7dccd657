import { configurationError } from '../errors.js'
import { integerOption } from '../internal/option-checks.js'
import type { AnomalyCheck, AnomalyObservation } from './anomaly-signal.js'
import { checkOptions, scoreOption } from './check-options.js'
import { defaultNetworkZone } from './network-zone.js'
import { RecentValues } from './recent-values.js'

/** Options of {@link newZoneCheck}. */
export interface NewZoneCheckOptions {
  /** Score of the signal, 0-100. Default 25: networks change often (mobile, travel, VPN). */
  readonly score?: number
  /** Zones remembered per key (1-32); a zone not among them is new. Default 4 (home, office, mobile, VPN). */
  readonly remember?: number
  /**
   * The zone of a client address. Default: its IPv4 /24 or IPv6 /48 ({@link defaultNetworkZone});
   * e.g. an ASN lookup. `undefined`: the request is not assessed.
   */
  readonly zone?: (address: string) => string | undefined
}

/**
 * `new_zone`: the key is used from a network zone none of its last `remember` zones. A key
 * without a known address (no peer address) is not assessed.
 *
 * @example
 * ```ts
 * import { createAnomalyDetector, newZoneCheck } from '@portcullis/core'
 * createAnomalyDetector({ checks: [newZoneCheck({ score: 30, remember: 4 })] })
 * ```
 */
export function newZoneCheck(options?: NewZoneCheckOptions): AnomalyCheck {
  const given = checkOptions(options, 'newZoneCheck', ['remember', 'zone'])
  const score = scoreOption(given.score, 'newZoneCheck', 25)
  const remember = integerOption(given.remember, 'newZoneCheck.remember', 4, 1, 32)
  if (given.zone !== undefined && typeof given.zone !== 'function') throw configurationError('newZoneCheck.zone must be a function (address) => string | undefined')
  const custom = given.zone
  const zoneOf = custom === undefined ? defaultNetworkZone : (address: string | undefined): string | undefined => {
    if (address === undefined) return undefined
    const zone = custom(address)
    return typeof zone === 'string' && zone !== '' ? zone : undefined
  }
  const finding = Object.freeze({ score, detail: Object.freeze({}) })
  return Object.freeze({
    kind: 'new_zone',
    start: (observation: AnomalyObservation) => new RecentValues(remember, zoneOf(observation.address), observation.time),
    check(observation: AnomalyObservation, recent: RecentValues) {
      const zone = zoneOf(observation.address)
      if (zone === undefined) return undefined
      // The first zone a key is seen with (the address may have been unknown) is history, not news.
      if (recent.count === 0) {
        recent.note(zone, observation.time)
        return undefined
      }
      return recent.note(zone, observation.time) ? finding : undefined
    },
  })
}
