import { parseInstant } from '../operators/compare.js'
import { ConditionError, describeValue } from '../operators/condition-error.js'
import { createLevels, type Levels } from './classification.js'
import type { RiskFactor } from './risk.js'
import { parseBusinessHours, type BusinessHoursConfig, type TemporalConstraint } from './temporal.js'

// Every built-in factor applies when its attribute is missing or malformed: the risk model
// must rise, not fall, when it cannot see.

/** Common options of the built-in factors. */
export interface FactorOptions {
  /** Factor name in the explanation (defaults to the constructor's kebab-case name). */
  name?: string
  /** Points, 0-100 (each constructor has its own default). */
  weight?: number
  /** Attribute path read by the factor. */
  attribute?: string
}

function checkWeight(weight: unknown, name: string): number {
  if (typeof weight !== 'number' || !(weight >= 0 && weight <= 100)) throw new TypeError(`${name}: weight must be a number from 0 to 100`)
  return weight
}

function factor(options: FactorOptions, defaults: { name: string; weight: number; attribute: string },
  test: (value: unknown) => boolean): RiskFactor & { readonly attribute: string } {
  const attribute = options.attribute ?? defaults.attribute
  if (typeof attribute !== 'string' || attribute === '') throw new TypeError(`${defaults.name}: attribute must be an attribute path`)
  return {
    name: options.name ?? defaults.name,
    weight: checkWeight(options.weight ?? defaults.weight, defaults.name),
    attribute,
    applies: async (attributes) => test(await attributes.get(attribute)),
  }
}

/**
 * Applies when the network zone (`environment.zone`) is not one of `trustedZones`. Default weight 40.
 *
 * @example
 * ```ts
 * import { untrustedNetwork } from '@portcullis/policy'
 * untrustedNetwork({ trustedZones: ['corporate', 'vpn'] })
 * ```
 */
export function untrustedNetwork(options: FactorOptions & { trustedZones: readonly string[] }): RiskFactor {
  const trusted = options.trustedZones
  if (!Array.isArray(trusted) || trusted.some((z) => typeof z !== 'string')) throw new TypeError('untrustedNetwork: trustedZones must be an array of zone names')
  const set = new Set(trusted)
  return factor(options, { name: 'untrusted-network', weight: 40, attribute: 'environment.zone' },
    (zone) => typeof zone !== 'string' || !set.has(zone))
}

/**
 * Applies outside business hours (a `parseBusinessHours` config or any compiled constraint),
 * read from `environment.time` (epoch ms, an ISO-8601 instant or a `Date`). Default weight 20.
 *
 * @example
 * ```ts
 * import { offHours } from '@portcullis/policy'
 * offHours({ hours: { timeZone: 'Europe/Paris', holidays: ['2026-12-25'] } })
 * ```
 */
export function offHours(options: FactorOptions & { hours: BusinessHoursConfig | TemporalConstraint }): RiskFactor {
  const hours = typeof (options.hours as TemporalConstraint)?.within === 'function'
    ? (options.hours as TemporalConstraint)
    : parseBusinessHours(options.hours as BusinessHoursConfig)
  return factor(options, { name: 'off-hours', weight: 20, attribute: 'environment.time' }, (time) => {
    const ms = typeof time === 'number' ? time : parseInstant(time)
    if (ms === undefined) throw new ConditionError(`off-hours: ${describeValue(time)} is not a time`)
    return !hours.within(ms)
  })
}

/**
 * Applies when device trust (`environment.deviceTrust`) is missing or below `minimum`: a
 * level of `values` (lowest first) or, without `values`, a number 0-100. Default weight 30.
 *
 * @example
 * ```ts
 * import { lowDeviceTrust } from '@portcullis/policy'
 * lowDeviceTrust({ minimum: 'medium', values: ['low', 'medium', 'high'] })
 * lowDeviceTrust({ minimum: 70 })
 * ```
 */
export function lowDeviceTrust(options: FactorOptions & { minimum: string | number; values?: readonly string[] }): RiskFactor {
  const defaults = { name: 'low-device-trust', weight: 30, attribute: 'environment.deviceTrust' }
  if (options.values !== undefined) {
    const levels = createLevels(options.values)
    if (!levels.has(options.minimum)) throw new TypeError(`lowDeviceTrust: minimum ${JSON.stringify(options.minimum)} is not one of values`)
    return factor(options, defaults, (value) => !levels.has(value) || levels.rank(value) < levels.rank(options.minimum))
  }
  const minimum = options.minimum
  if (typeof minimum !== 'number' || !(minimum >= 0 && minimum <= 100)) throw new TypeError('lowDeviceTrust: minimum must be a number from 0 to 100 (or give values)')
  return factor(options, defaults, (value) => typeof value !== 'number' || !(value >= minimum))
}

/**
 * Applies when the resource's classification (`resource.classification`) is at or above
 * `atLeast` on `levels` (default PUBLIC < INTERNAL < CONFIDENTIAL < RESTRICTED); an unknown
 * or missing classification applies too. Default weight 30.
 *
 * @example
 * ```ts
 * import { dataSensitivity } from '@portcullis/policy'
 * dataSensitivity({ atLeast: 'CONFIDENTIAL' })
 * ```
 */
export function dataSensitivity(options: FactorOptions & { atLeast: string; levels?: Levels }): RiskFactor {
  const levels = options.levels ?? createLevels()
  if (!levels.has(options.atLeast)) throw new TypeError(`dataSensitivity: atLeast ${JSON.stringify(options.atLeast)} is not a level`)
  return factor(options, { name: 'data-sensitivity', weight: 30, attribute: 'resource.classification' },
    (value) => !levels.has(value) || levels.atLeast(value, options.atLeast))
}

const COUNTRY = /^[A-Za-z]{2}$/

/**
 * Applies when the request's country (`environment.country`, ISO 3166-1 alpha-2) differs
 * from the subject's home country (`subject.country`), or either is missing or malformed
 * (`attribute` names the request's country, `homeAttribute` the home country).
 * Default weight 25.
 *
 * @example
 * ```ts
 * import { crossBorder } from '@portcullis/policy'
 * crossBorder({ homeAttribute: 'subject.directory.country' })
 * ```
 */
export function crossBorder(options: FactorOptions & { homeAttribute?: string }): RiskFactor {
  const home = options.homeAttribute ?? 'subject.country'
  if (typeof home !== 'string' || home === '') throw new TypeError('crossBorder: homeAttribute must be an attribute path')
  const current = options.attribute ?? 'environment.country'
  return {
    name: options.name ?? 'cross-border',
    weight: checkWeight(options.weight ?? 25, 'cross-border'),
    async applies(attributes) {
      const [a, b] = await Promise.all([attributes.get(home), attributes.get(current)])
      if (typeof a !== 'string' || typeof b !== 'string' || !COUNTRY.test(a) || !COUNTRY.test(b)) return true
      return a.toUpperCase() !== b.toUpperCase()
    },
  }
}
