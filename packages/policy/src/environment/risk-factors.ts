import { configurationError } from '@portcullis/core'
import { parseInstant } from '../operators/compare.js'
import { describeValue } from '../operators/condition-error.js'
import { parseAttributePath } from '../model/attribute-path.js'
import { zoned, type TimeZoneSource } from '../operators/zone-source.js'
import { createLevels, type Levels } from './classification.js'
import { checkOnMissing, RiskInputMissing, type AttributeReader, type RiskFactor } from './risk.js'
import { parseBusinessHours, type BusinessHoursConfig, type TemporalConstraint } from './temporal.js'

// A built-in factor never guesses: a missing or unusable input throws RiskInputMissing, which
// makes the assessment Indeterminate unless the factor declares `onMissing` points. Each
// factor lists the attributes it reads (`inputs`), so the engine refuses at creation a factor
// that reads an attribute nothing sets.

/** Common options of the built-in factors. */
export interface FactorOptions {
  /** Factor name in the explanation (defaults to the constructor's kebab-case name). */
  name?: string
  /** Points, 0-100 (each constructor has its own default). */
  weight?: number
  /** Attribute path read by the factor. */
  attribute?: string
  /**
   * Points to score when the input is missing, unusable or its provider fails. Absent: the
   * risk assessment is Indeterminate, and so is every rule that reads the score.
   */
  onMissing?: { points: number }
}

/** A built-in factor: a {@link RiskFactor} that lists the attributes it reads. */
export interface BuiltInRiskFactor extends RiskFactor {
  /** Attribute paths the factor reads. */
  readonly inputs: readonly string[]
}

function checkWeight(weight: unknown, name: string): number {
  if (typeof weight !== 'number' || !Number.isFinite(weight) || !(weight >= 0 && weight <= 100)) throw configurationError(`${name}: weight must be a number from 0 to 100`)
  return weight
}

function checkPath(path: unknown, name: string, field: string): string {
  const parsed = parseAttributePath(path)
  if (typeof parsed === 'string') throw configurationError(`${name}: ${field} must be an attribute path (${parsed})`)
  return parsed.text
}

function checkOptions(options: unknown, name: string, allowed: readonly string[]): void {
  if (typeof options !== 'object' || options === null) throw configurationError(`${name}: options must be an object`)
  for (const key of Object.keys(options)) {
    if (!['name', 'weight', 'attribute', 'onMissing', ...allowed].includes(key)) throw configurationError(`${name}: unknown option ${JSON.stringify(key)}`)
  }
}

async function input(attributes: AttributeReader, path: string): Promise<unknown> {
  let value: unknown
  try {
    value = await attributes.get(path)
  } catch (error) {
    throw new RiskInputMissing(path, `failed (${error instanceof Error ? error.message.slice(0, 200) : 'unavailable'})`)
  }
  if (value === undefined || value === null) throw new RiskInputMissing(path, 'is missing')
  return value
}

function factor(
  options: FactorOptions,
  defaults: { name: string; weight: number; attribute: string },
  test: (value: unknown, attributes: AttributeReader) => boolean | Promise<boolean>,
  more: readonly string[] = [],
): BuiltInRiskFactor {
  const attribute = checkPath(options.attribute ?? defaults.attribute, defaults.name, 'attribute')
  const name = options.name ?? defaults.name
  checkOnMissing(options.onMissing, name)
  return Object.freeze({
    name,
    weight: checkWeight(options.weight ?? defaults.weight, defaults.name),
    ...(options.onMissing === undefined ? {} : { onMissing: Object.freeze({ points: options.onMissing.points }) }),
    inputs: Object.freeze([attribute, ...more]),
    applies: async (attributes: AttributeReader) => test(await input(attributes, attribute), attributes),
  })
}

/**
 * Applies when the network zone (`environment.zone`) is not one of `trustedZones`. A missing
 * zone (no client address) cannot be assessed. Default weight 40.
 *
 * @example
 * ```ts
 * import { untrustedNetwork } from '@portcullis/policy'
 * untrustedNetwork({ trustedZones: ['corporate', 'vpn'] })
 * ```
 */
export function untrustedNetwork(options: FactorOptions & { trustedZones: readonly string[] }): BuiltInRiskFactor {
  checkOptions(options, 'untrustedNetwork', ['trustedZones'])
  const trusted = options.trustedZones
  if (!Array.isArray(trusted) || trusted.length === 0 || trusted.some((z) => typeof z !== 'string' || z === '')) {
    throw configurationError('untrustedNetwork: trustedZones must be a non-empty array of zone names')
  }
  const set = new Set(trusted)
  return factor(options, { name: 'untrusted-network', weight: 40, attribute: 'environment.zone' }, (zone) => {
    if (typeof zone !== 'string') throw new RiskInputMissing('environment.zone', `is ${describeValue(zone)}, not a zone name`)
    return !set.has(zone)
  })
}

/** Business hours for {@link offHours}: the zone may come from an attribute. */
export type OffHoursConfig = Omit<BusinessHoursConfig, 'timeZone'> & { timeZone: TimeZoneSource }

/**
 * Applies outside business hours (a `parseBusinessHours` config, whose `timeZone` may be
 * `{ attribute: 'resource.site.timeZone' }`, or any compiled constraint), read from
 * `environment.time` (epoch ms, an ISO-8601 instant or a `Date`). A missing or unknown zone
 * cannot be assessed. Default weight 20.
 *
 * @example
 * ```ts
 * import { offHours } from '@portcullis/policy'
 * offHours({ hours: { timeZone: 'Europe/Paris', holidays: ['2026-12-25'] } })
 * offHours({ hours: { timeZone: { attribute: 'resource.site.timeZone' } } })
 * ```
 */
export function offHours(options: FactorOptions & { hours: OffHoursConfig | TemporalConstraint }): BuiltInRiskFactor {
  checkOptions(options, 'offHours', ['hours'])
  const given = options.hours as unknown
  if (typeof given !== 'object' || given === null) throw configurationError('offHours: hours must be business hours { timeZone, days?, start?, end?, holidays? }')
  let hours: { within(ms: number, zone?: unknown): boolean; zoneAttribute?: { text: string } | undefined }
  try {
    hours = typeof (given as TemporalConstraint).within === 'function'
      ? (given as TemporalConstraint)
      : zoned(given as OffHoursConfig, (c) => parseBusinessHours(c))
  } catch (error) {
    throw configurationError(`offHours: ${error instanceof Error ? error.message : String(error)}`, error)
  }
  const zoneAttribute = hours.zoneAttribute?.text
  return factor(options, { name: 'off-hours', weight: 20, attribute: 'environment.time' }, async (time, attributes) => {
    const ms = typeof time === 'number' ? time : parseInstant(time)
    if (ms === undefined || !Number.isFinite(ms)) throw new RiskInputMissing('environment.time', `is ${describeValue(time)}, not a time`)
    if (zoneAttribute === undefined) return !hours.within(ms)
    const zone = await input(attributes, zoneAttribute)
    try {
      return !hours.within(ms, zone)
    } catch (error) {
      throw new RiskInputMissing(zoneAttribute, `is unusable (${error instanceof Error ? error.message : 'not a time zone'})`)
    }
  }, zoneAttribute === undefined ? [] : [zoneAttribute])
}

/**
 * Applies when device trust (`environment.deviceTrust`) is below `minimum`: a level of
 * `values` (lowest first) or, without `values`, an integer 0-100 (a fraction such as 0.7 is
 * refused: the scale is 0-100). A missing or unknown value cannot be assessed. Default weight 30.
 *
 * @example
 * ```ts
 * import { lowDeviceTrust } from '@portcullis/policy'
 * lowDeviceTrust({ minimum: 'medium', values: ['low', 'medium', 'high'] })
 * lowDeviceTrust({ minimum: 70, onMissing: { points: 30 } })
 * ```
 */
export function lowDeviceTrust(options: FactorOptions & { minimum: string | number; values?: readonly string[] }): BuiltInRiskFactor & { readonly values: readonly string[] | undefined } {
  checkOptions(options, 'lowDeviceTrust', ['minimum', 'values'])
  const defaults = { name: 'low-device-trust', weight: 30, attribute: 'environment.deviceTrust' }
  const minimum = options.minimum
  if (options.values !== undefined) {
    let levels: Levels
    try {
      levels = createLevels(options.values)
    } catch (error) {
      throw configurationError(`lowDeviceTrust: values: ${error instanceof Error ? error.message.replace(/^Portcullis: /, '') : String(error)}`, error)
    }
    if (!levels.has(minimum)) throw configurationError(`lowDeviceTrust: minimum ${JSON.stringify(minimum)} is not one of values`)
    const floor = levels.rank(minimum)
    return Object.freeze({
      ...factor(options, defaults, (value) => {
        if (!levels.has(value)) throw new RiskInputMissing(options.attribute ?? defaults.attribute, `is ${describeValue(value)}, not one of ${levels.levels.join(', ')}`)
        return levels.rank(value) < floor
      }),
      values: levels.levels,
    })
  }
  if (typeof minimum !== 'number' || !Number.isInteger(minimum) || minimum < 0 || minimum > 100) {
    throw configurationError(
      `lowDeviceTrust: minimum must be an integer from 0 to 100 (or give values)${typeof minimum === 'number' && minimum > 0 && minimum < 1 ? `; ${minimum} looks like a 0-1 fraction: write ${Math.round(minimum * 100)}` : ''}`,
    )
  }
  return Object.freeze({
    ...factor(options, defaults, (value) => {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 100) {
        throw new RiskInputMissing(options.attribute ?? defaults.attribute, `is ${describeValue(value)}, not an integer 0-100`)
      }
      return value < minimum
    }),
    values: undefined,
  })
}

/**
 * Applies when the resource's classification (`resource.classification`) is at or above
 * `atLeast` on `levels` (default PUBLIC < INTERNAL < CONFIDENTIAL < RESTRICTED). A missing or
 * unknown classification cannot be assessed. Default weight 30.
 *
 * @example
 * ```ts
 * import { dataSensitivity } from '@portcullis/policy'
 * dataSensitivity({ atLeast: 'CONFIDENTIAL' })
 * ```
 */
export function dataSensitivity(options: FactorOptions & { atLeast: string | number; levels?: Levels }): BuiltInRiskFactor {
  checkOptions(options, 'dataSensitivity', ['atLeast', 'levels'])
  const levels = options.levels ?? createLevels()
  if (typeof levels !== 'object' || levels === null || typeof levels.has !== 'function') throw configurationError('dataSensitivity: levels must come from createLevels()')
  if (!levels.has(options.atLeast)) throw configurationError(`dataSensitivity: atLeast ${JSON.stringify(options.atLeast)} is not a level`)
  const attribute = options.attribute ?? 'resource.classification'
  return factor(options, { name: 'data-sensitivity', weight: 30, attribute: 'resource.classification' }, (value) => {
    if (!levels.has(value)) throw new RiskInputMissing(attribute, `is ${describeValue(value)}, not a level`)
    return levels.atLeast(value, options.atLeast)
  })
}

const COUNTRY = /^[A-Za-z]{2}$/

/**
 * Applies when the request's country (`attribute`, default `environment.country`, ISO
 * 3166-1 alpha-2) differs from the subject's home country (`homeAttribute`, default
 * `subject.country`). Neither is built in: give each from a provider (the engine refuses the
 * factor at creation when nothing sets them), or point the options at attributes you have.
 * A missing or malformed country cannot be assessed. Default weight 25.
 *
 * @example
 * ```ts
 * import { crossBorder } from '@portcullis/policy'
 * crossBorder({ homeAttribute: 'subject.claims.country', attribute: 'environment.geo.country' })
 * ```
 */
export function crossBorder(options: FactorOptions & { homeAttribute?: string } = {}): BuiltInRiskFactor {
  checkOptions(options, 'crossBorder', ['homeAttribute'])
  const home = checkPath(options.homeAttribute ?? 'subject.country', 'crossBorder', 'homeAttribute')
  const country = (value: unknown, path: string): string => {
    if (typeof value !== 'string' || !COUNTRY.test(value)) throw new RiskInputMissing(path, `is ${describeValue(value)}, not an ISO 3166-1 alpha-2 code`)
    return value.toUpperCase()
  }
  const current = options.attribute ?? 'environment.country'
  return factor(options, { name: 'cross-border', weight: 25, attribute: 'environment.country' }, async (here, attributes) => {
    const there = country(await input(attributes, home), home)
    return country(here, current) !== there
  }, [home])
}

const KIND = /^[a-z0-9_]{1,64}$/

/**
 * Applies when the request carries an anomaly signal (`environment.anomaly`, set by
 * `requireToken({ anomalies })` of `@portcullis/core`) scoring at least `minimumScore`
 * (an integer 0-100, default 50), of one of `kinds` when given (`new_zone`, `new_country`,
 * `impossible_travel`, `rate_spike` or a custom check's kind). Signals held from an earlier
 * request of the same token count too, so a retry right after an anomaly is assessed alike.
 * No report (no detector configured, no identity) cannot be assessed. Default weight 50.
 *
 * @example
 * ```ts
 * import { anomalous } from '@portcullis/policy'
 * anomalous({ weight: 60, minimumScore: 70 })
 * anomalous({ name: 'travel', kinds: ['impossible_travel'], weight: 80 })
 * ```
 */
export function anomalous(options: FactorOptions & { minimumScore?: number; kinds?: readonly string[] } = {}): BuiltInRiskFactor {
  checkOptions(options, 'anomalous', ['minimumScore', 'kinds'])
  const minimum = options.minimumScore ?? 50
  // Signal scores are integers 0-100: a fraction is a 0-1 scale mistake, not a threshold.
  if (typeof minimum !== 'number' || !Number.isInteger(minimum) || minimum < 0 || minimum > 100) {
    throw configurationError(`anomalous: minimumScore must be an integer from 0 to 100${typeof minimum === 'number' && minimum > 0 && minimum < 1 ? `; ${minimum} looks like a 0-1 fraction: write ${Math.round(minimum * 100)}` : ''}`)
  }
  const kinds = options.kinds
  if (kinds !== undefined && (!Array.isArray(kinds) || kinds.length === 0 || kinds.some((k) => typeof k !== 'string' || !KIND.test(k)))) {
    throw configurationError('anomalous: kinds must be a non-empty array of signal kinds (a-z 0-9 _)')
  }
  const wanted = kinds === undefined ? undefined : new Set(kinds)
  const attribute = options.attribute ?? 'environment.anomaly'
  return factor(options, { name: 'anomalous', weight: 50, attribute: 'environment.anomaly' }, (report) => {
    const signals = (report as { signals?: unknown }).signals
    if (typeof report !== 'object' || !Array.isArray(signals)) throw new RiskInputMissing(attribute, `is ${describeValue(report)}, not an anomaly report { score, signals }`)
    for (const signal of signals as unknown[]) {
      const { kind, score } = (signal ?? {}) as { kind?: unknown; score?: unknown }
      if (typeof kind !== 'string' || typeof score !== 'number' || !Number.isFinite(score)) throw new RiskInputMissing(attribute, 'holds a malformed signal')
      if (score >= minimum && (wanted === undefined || wanted.has(kind))) return true
    }
    return false
  })
}
