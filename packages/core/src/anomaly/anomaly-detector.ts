import { configurationError } from '../errors.js'
import { integerOption, optionsObject } from '../internal/option-checks.js'
import { TtlCache } from '../internal/ttl-cache.js'
import { NO_ANOMALIES, type AnomalyCheck, type AnomalyDetailValue, type AnomalyFinding, type AnomalyObservation, type AnomalyReport, type AnomalySignal, type GeoLocation } from './anomaly-signal.js'
import { impossibleTravelCheck } from './impossible-travel-check.js'
import { newCountryCheck } from './new-country-check.js'
import { newZoneCheck } from './new-zone-check.js'
import { rateSpikeCheck } from './rate-spike-check.js'

/**
 * Whose history a request is compared with: the token's (its digest; the default), the
 * subject's (issuer and `sub`, across the tokens of one user) or the client's (issuer and
 * `client_id`). A token without `sub` (or `client_id`) is keyed by its digest.
 */
export type AnomalyKey = 'token' | 'subject' | 'client'

/**
 * Options of {@link createAnomalyDetector}.
 *
 * @example
 * ```ts
 * const options: AnomalyDetectorOptions = { key: 'subject', maxEntries: 50_000, hold: 600 }
 * ```
 */
export interface AnomalyDetectorOptions {
  /** Whose history: `'token'` (default), `'subject'` or `'client'`. */
  readonly key?: AnomalyKey
  /**
   * The checks to run, in order. Default: `newZoneCheck()` and `rateSpikeCheck()`, plus
   * `newCountryCheck()` and `impossibleTravelCheck()` when `locate` is given.
   */
  readonly checks?: readonly AnomalyCheck[]
  /**
   * Where a client address is (country, coordinates): your geo-IP lookup, e.g. a MaxMind
   * reader. Called once per observed request with a known address, synchronously; a throw or
   * `undefined` means unknown. No database is bundled.
   */
  readonly locate?: (address: string) => GeoLocation | undefined
  /**
   * Keys whose summaries are kept (1 to 10,000,000); the least recently seen go first. A key
   * holds about 1 KB with the default checks. Default 50000.
   */
  readonly maxEntries?: number
  /** Seconds without a request after which a key's history is forgotten (1 to 90 days). Default 86400. */
  readonly maxIdle?: number
  /**
   * Seconds a key's strongest signal stays on its later requests (0 to 86400), marked `held`,
   * so that a retry right after an anomaly does not pass as clean. Default 900; 0 turns it off.
   */
  readonly hold?: number
  /** Current time in milliseconds, when `observe` is not given one. Default `Date.now`. */
  readonly clock?: () => number
}

/** A detector: pass it to `requireToken({ anomalies })`, or call `observe` yourself. */
export interface AnomalyDetector {
  /** Whose history requests are compared with. */
  readonly key: AnomalyKey
  /** The kinds of its checks, in order. */
  readonly kinds: readonly string[]
  /** Keys whose summaries are held. */
  readonly size: number
  /**
   * Compares one request of `key` from `address` (canonical client address, or undefined) at
   * `time` (ms, default the clock) with the key's history, updates the history, and returns
   * the signals. The first request of a key has no history and no signal. Never throws: a
   * check or `locate` that throws is ignored for that request. Without any signal it returns
   * the shared {@link NO_ANOMALIES}, or the key's held report, and allocates nothing beyond
   * the checks' own work.
   */
  observe(key: string, address: string | undefined, time?: number): AnomalyReport
  /** Forgets a key's history (e.g. after the user confirmed the new location). */
  forget(key: string): boolean
  /** Forgets every history. */
  clear(): void
}

interface Summary {
  lastSeen: number
  readonly states: unknown[]
  /** The report of the held signal, and until when it is held. */
  held: AnomalyReport | undefined
  heldUntil: number
}

const KINDS = /^[a-z0-9_]{1,64}$/
const KEYS: ReadonlySet<string> = new Set(['token', 'subject', 'client'])
const MAX_DETAIL_MEMBERS = 16
const MAX_DETAIL_STRING = 128
const NO_DETAIL: Readonly<Record<string, AnomalyDetailValue>> = Object.freeze({})

/** A check's detail, kept plain and bounded: it goes to audit sinks and to handlers. */
function boundedDetail(detail: unknown): Readonly<Record<string, AnomalyDetailValue>> {
  if (typeof detail !== 'object' || detail === null) return NO_DETAIL
  const out: Record<string, AnomalyDetailValue> = {}
  let members = 0
  for (const name of Object.keys(detail)) {
    if (members === MAX_DETAIL_MEMBERS) break
    const value = (detail as Record<string, unknown>)[name]
    if (typeof value === 'string') out[name.slice(0, 64)] = value.slice(0, MAX_DETAIL_STRING)
    else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') out[name.slice(0, 64)] = value
    else continue
    members++
  }
  return Object.freeze(out)
}

function signalOf(kind: string, finding: AnomalyFinding, time: number): AnomalySignal | undefined {
  const score = finding.score
  if (typeof score !== 'number' || !Number.isFinite(score)) return undefined
  return Object.freeze({ kind, score: Math.min(100, Math.max(0, Math.round(score))), detail: boundedDetail(finding.detail), at: time, held: false })
}

function reportOf(signals: AnomalySignal[]): AnomalyReport {
  let score = 0
  const kinds: string[] = []
  for (const signal of signals) {
    if (signal.score > score) score = signal.score
    if (!kinds.includes(signal.kind)) kinds.push(signal.kind)
  }
  return Object.freeze({ score, kinds: Object.freeze(kinds), signals: Object.freeze(signals) })
}

function compileChecks(given: unknown, locate: boolean): AnomalyCheck<unknown>[] {
  if (given === undefined) {
    const checks: AnomalyCheck[] = [newZoneCheck(), rateSpikeCheck()]
    if (locate) checks.push(newCountryCheck(), impossibleTravelCheck())
    return checks
  }
  if (!Array.isArray(given) || given.length === 0) throw configurationError('createAnomalyDetector: checks must be a non-empty array of checks')
  const kinds = new Set<string>()
  given.forEach((check: unknown, index) => {
    const c = check as Partial<AnomalyCheck> | null
    if (typeof c !== 'object' || c === null || typeof c.start !== 'function' || typeof c.check !== 'function') {
      throw configurationError(`createAnomalyDetector: checks[${index}] must be a check { kind, start, check }`)
    }
    if (typeof c.kind !== 'string' || !KINDS.test(c.kind)) throw configurationError(`createAnomalyDetector: checks[${index}].kind must be 1-64 of a-z 0-9 _`)
    if (kinds.has(c.kind)) throw configurationError(`createAnomalyDetector: two checks have the kind ${JSON.stringify(c.kind)}`)
    kinds.add(c.kind)
    if (c.requires === 'location' && !locate) throw configurationError(`createAnomalyDetector: the ${c.kind} check needs locate (a geo-IP lookup)`)
  })
  return [...(given as AnomalyCheck<unknown>[])]
}

/**
 * Creates an anomaly detector: per key (token, subject or client), a fixed-size summary of its
 * history (recent zones and countries, last position, request rates) in a bounded LRU, checked
 * and updated on every request. Signals: `new_zone`, `new_country`, `impossible_travel`,
 * `rate_spike`, and your own checks' kinds, each scored 0-100. Detection blocks nothing: give
 * the detector to `requireToken({ anomalies })` for audit events and metrics, and let a
 * policy (`anomalous()` risk factor of `@portcullis/policy`) or the handler decide.
 *
 * @example
 * ```ts
 * import { createAnomalyDetector } from '@portcullis/core'
 * import { requireToken } from '@portcullis/express'
 * declare const geo: { get(ip: string): { country?: { iso_code: string }; location?: { latitude: number; longitude: number } } | null }
 * const anomalies = createAnomalyDetector({
 *   locate: (ip) => {
 *     const hit = geo.get(ip)
 *     return hit === null ? undefined : { country: hit.country?.iso_code, latitude: hit.location?.latitude, longitude: hit.location?.longitude }
 *   },
 * })
 * requireToken({ issuer: 'https://id.example.com/', audience: 'https://api.example.com', anomalies, trustedProxies: ['10.0.0.0/8'] })
 * ```
 */
export function createAnomalyDetector(options: AnomalyDetectorOptions = {}): AnomalyDetector {
  optionsObject(options, 'createAnomalyDetector:', ['key', 'checks', 'locate', 'maxEntries', 'maxIdle', 'hold', 'clock'])
  const key = options.key ?? 'token'
  if (!KEYS.has(key)) throw configurationError("createAnomalyDetector: key must be 'token', 'subject' or 'client'")
  const locate = options.locate
  if (locate !== undefined && typeof locate !== 'function') throw configurationError('createAnomalyDetector: locate must be a function (address) => { country?, latitude?, longitude? } | undefined')
  const clock = options.clock ?? Date.now
  if (typeof clock !== 'function') throw configurationError('createAnomalyDetector: clock must be a function returning milliseconds')
  const checks = compileChecks(options.checks, locate !== undefined)
  const maxEntries = integerOption(options.maxEntries, 'createAnomalyDetector: maxEntries', 50_000, 1, 10_000_000)
  const maxIdleMs = integerOption(options.maxIdle, 'createAnomalyDetector: maxIdle', 86_400, 1, 90 * 86_400) * 1000
  const holdMs = integerOption(options.hold, 'createAnomalyDetector: hold', 900, 0, 86_400) * 1000
  const kinds = Object.freeze(checks.map((c) => c.kind))
  // Entries never expire by themselves: idleness is checked against lastSeen on each read, so
  // an active key's history is never cut, and nothing is allocated to refresh an entry.
  const summaries = new TtlCache<Summary>({ maxEntries }, clock)

  function where(address: string): GeoLocation | undefined {
    try {
      const found = (locate as (address: string) => GeoLocation | undefined)(address)
      return typeof found === 'object' && found !== null ? found : undefined
    } catch {
      return undefined
    }
  }

  function observe(id: string, address: string | undefined, time?: number): AnomalyReport {
    const now = time ?? clock()
    const observation: AnomalyObservation = { key: id, time: now, address, location: locate === undefined || address === undefined ? undefined : where(address) }
    const summary = summaries.get(id)
    if (summary === undefined || now - summary.lastSeen > maxIdleMs) {
      const states: unknown[] = []
      for (const c of checks) {
        try {
          states.push(c.start(observation))
        } catch {
          states.push(undefined)
        }
      }
      summaries.set(id, { lastSeen: now, states, held: undefined, heldUntil: 0 }, Number.POSITIVE_INFINITY)
      return NO_ANOMALIES
    }
    if (now > summary.lastSeen) summary.lastSeen = now
    let fresh: AnomalySignal[] | undefined
    for (let i = 0; i < checks.length; i++) {
      const c = checks[i] as AnomalyCheck<unknown>
      let finding: AnomalyFinding | undefined
      try {
        finding = c.check(observation, summary.states[i])
      } catch {
        continue
      }
      if (finding === undefined || finding === null) continue
      const signal = signalOf(c.kind, finding, now)
      if (signal !== undefined) (fresh ??= []).push(signal)
    }
    const held = summary.held !== undefined && now < summary.heldUntil ? summary.held : undefined
    if (fresh === undefined) return held ?? NO_ANOMALIES
    const signals = [...fresh]
    const previous = held?.signals[0]
    if (previous !== undefined && !fresh.some((s) => s.kind === previous.kind)) signals.push(previous)
    if (holdMs > 0) {
      let strongest = fresh[0] as AnomalySignal
      for (const s of fresh) if (s.score > strongest.score) strongest = s
      if (previous === undefined || strongest.score >= previous.score) {
        summary.held = reportOf([Object.freeze({ ...strongest, held: true })])
        summary.heldUntil = now + holdMs
      }
    }
    return reportOf(signals)
  }

  return Object.freeze({
    key,
    kinds,
    get size() {
      return summaries.size
    },
    observe,
    forget: (id: string) => summaries.delete(id),
    clear: () => summaries.clear(),
  })
}

/** True when `value` looks like a detector made by {@link createAnomalyDetector} (or an equivalent). */
export function isAnomalyDetector(value: unknown): value is AnomalyDetector {
  return typeof value === 'object' && value !== null && typeof (value as AnomalyDetector).observe === 'function' && KEYS.has((value as AnomalyDetector).key)
}
