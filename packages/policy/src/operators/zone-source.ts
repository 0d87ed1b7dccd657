import { parseAttributePath, type AttributePath } from '../model/attribute-path.js'
import { ConditionError, describeValue } from './condition-error.js'
import { validateTimeZone } from './zoned-time.js'

/**
 * Where a time condition takes its IANA time zone: a literal (`'Europe/Paris'`) or an
 * attribute (`{ attribute: 'resource.site.timeZone' }`, `{ attribute: 'environment.timeZone' }`),
 * so "business hours at the resource's site" is one condition for every site.
 *
 * @example
 * ```ts
 * const zone: TimeZoneSource = { attribute: 'resource.site.timeZone' }
 * ```
 */
export type TimeZoneSource = string | { readonly attribute: string }

/** A time constraint whose zone may come from an attribute. */
export interface ZonedConstraint {
  /** The attribute holding the zone, or undefined for a literal zone. */
  readonly zoneAttribute: AttributePath | undefined
  /**
   * True when the instant satisfies the constraint in `zone` (the attribute's value; ignored
   * for a literal zone). A missing or unknown zone is a `ConditionError` (Indeterminate).
   */
  within(instantMs: number, zone?: unknown): boolean
}

const MAX_ZONES = 64

/**
 * Compiles a constraint whose config has a `timeZone` that is a literal or `{ attribute }`.
 * The rest of the config is validated now (with UTC standing in for an attribute zone); an
 * attribute zone is validated per request and its compiled constraint cached (bounded).
 *
 * @example
 * ```ts
 * const hours = zoned({ timeZone: { attribute: 'resource.timeZone' } }, (c) => parseBusinessHours(c))
 * hours.within(Date.now(), 'America/New_York')
 * ```
 */
export function zoned<C extends { timeZone: TimeZoneSource }>(
  config: C,
  compile: (config: C & { timeZone: string }) => { within(instantMs: number): boolean },
): ZonedConstraint {
  if (typeof config !== 'object' || config === null) throw new TypeError('A time constraint must be an object')
  const source: unknown = config.timeZone
  if (typeof source !== 'object' || source === null) {
    const fixed = compile(config as C & { timeZone: string })
    return { zoneAttribute: undefined, within: (instantMs) => fixed.within(instantMs) }
  }
  const keys = Object.keys(source)
  const path = parseAttributePath((source as { attribute?: unknown }).attribute)
  if (keys.length !== 1 || keys[0] !== 'attribute') throw new TypeError('timeZone must be an IANA zone name or { "attribute": "<path>" }')
  if (typeof path === 'string') throw new TypeError(`timeZone.attribute: ${path}`)
  compile({ ...config, timeZone: 'UTC' }) // validates everything but the zone
  const byZone = new Map<string, { within(instantMs: number): boolean }>()
  return {
    zoneAttribute: path,
    within(instantMs, zone) {
      if (zone === undefined || zone === null) throw new ConditionError(`the time zone attribute ${path.text} is missing`)
      let compiled = typeof zone === 'string' ? byZone.get(zone) : undefined
      if (compiled === undefined) {
        let canonical: string
        try {
          canonical = validateTimeZone(zone)
        } catch {
          throw new ConditionError(`${path.text} is ${describeValue(zone)}, not an IANA time zone`)
        }
        compiled = compile({ ...config, timeZone: canonical })
        if (byZone.size >= MAX_ZONES) byZone.clear()
        byZone.set(zone as string, compiled)
      }
      return compiled.within(instantMs)
    },
  }
}
