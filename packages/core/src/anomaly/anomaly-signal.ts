/**
 * The vocabulary of anomaly detection: what a check sees (an observation), what it finds, and
 * what a request carries (a report of signals). Scores are 0-100, the scale of the policy
 * engine's risk points, so a signal's score and a risk factor's weight read the same way.
 */

/** Where an address is, as a geo-IP database (e.g. a MaxMind reader) answers. */
export interface GeoLocation {
  /** ISO 3166-1 alpha-2 country code (`FR`). */
  readonly country?: string | undefined
  /** Degrees, -90 to 90. */
  readonly latitude?: number | undefined
  /** Degrees, -180 to 180. */
  readonly longitude?: number | undefined
}

/** One request of one key, as the checks see it. */
export interface AnomalyObservation {
  /** The summary key (a token digest, an issuer and subject, or an issuer and client id). */
  readonly key: string
  /** Milliseconds since the epoch. */
  readonly time: number
  /** The client address (canonical text, behind trusted proxies), when known. */
  readonly address: string | undefined
  /** What `locate(address)` answered, when configured and known. */
  readonly location: GeoLocation | undefined
}

/** A value of a signal's `detail`: plain, bounded, never an address or a token. */
export type AnomalyDetailValue = string | number | boolean

/** What a check reports for an anomalous observation. */
export interface AnomalyFinding {
  /** 0-100 (rounded and clamped by the detector). */
  readonly score: number
  /** Bounded facts for the audit trail and the handler (`{ distance_km: 9000 }`). */
  readonly detail?: Readonly<Record<string, AnomalyDetailValue>>
}

/**
 * One check of the detector: a signal kind and the fixed-size state it keeps per key. Built-in
 * checks are made by `newZoneCheck`, `newCountryCheck`, `impossibleTravelCheck` and
 * `rateSpikeCheck`; a custom check implements the same two methods. Both run on the request
 * path, synchronously: keep them to a few field updates, and keep the state a fixed size.
 *
 * @example
 * ```ts
 * import type { AnomalyCheck } from '@portcullis/core'
 * // Flags a key whose requests come from more than one address family.
 * const familySwitch: AnomalyCheck<{ v6: boolean }> = {
 *   kind: 'family_switch',
 *   start: (o) => ({ v6: o.address?.includes(':') === true }),
 *   check(o, state) {
 *     if (o.address === undefined) return undefined
 *     const v6 = o.address.includes(':')
 *     const changed = v6 !== state.v6
 *     state.v6 = v6
 *     return changed ? { score: 10 } : undefined
 *   },
 * }
 * ```
 */
export interface AnomalyCheck<S = unknown> {
  /** The signal kind: 1-64 of `a-z 0-9 _`, unique in a detector. */
  readonly kind: string
  /** `'location'` when the check reads `observation.location`: the detector then requires `locate`. */
  readonly requires?: 'location'
  /** The state of a key's first sighting (never an anomaly: there is no history yet). */
  start(observation: AnomalyObservation): S
  /** A later sighting: updates `state` in place and returns a finding when it is anomalous. */
  check(observation: AnomalyObservation, state: S): AnomalyFinding | undefined
}

/** A signal on a request. */
export interface AnomalySignal {
  /** `new_zone`, `new_country`, `impossible_travel`, `rate_spike`, or a custom check's kind. */
  readonly kind: string
  /** 0-100: how unusual, the scale of the policy engine's risk points. */
  readonly score: number
  /** Bounded facts (no address, no coordinates, never the token). */
  readonly detail: Readonly<Record<string, AnomalyDetailValue>>
  /** When the signal was raised, in milliseconds since the epoch. */
  readonly at: number
  /**
   * `false` when this request raised it; `true` when an earlier request of the same key did and
   * it is still held (the detector's `hold`), so that a retry does not pass as clean.
   */
  readonly held: boolean
}

/** The anomaly signals of one request: `identity.anomalies`, and `environment.anomaly` in policies. */
export interface AnomalyReport {
  /** The highest score of `signals`, 0 when there are none. */
  readonly score: number
  /** The kinds of `signals`, without duplicates. */
  readonly kinds: readonly string[]
  readonly signals: readonly AnomalySignal[]
}

/** The report of a request with no signal: shared, frozen, no allocation. */
export const NO_ANOMALIES: AnomalyReport = Object.freeze({ score: 0, kinds: Object.freeze([]), signals: Object.freeze([]) })

/**
 * The score of a finding `ratio` times past its threshold (ratio ≥ 1): `base` at the
 * threshold, rising on a log scale to 100 at ten times it.
 */
export function scaledScore(base: number, ratio: number): number {
  if (!(ratio > 1)) return base
  return Math.min(100, Math.round(base + (100 - base) * Math.min(1, Math.log10(ratio))))
}
