import { configurationError } from '../errors.js'

/** Node's timers take at most 2^31-1 ms; a larger delay silently becomes 1 ms. */
export const MAX_TIMER_MS = 2_147_483_647

/**
 * Checks that `value` is an object (not null, not an array) with no member outside `known`,
 * and returns it. `name` is the option's path in messages (`jwks`, `downstreams[0]`, or
 * `policy engine: provider "x"`); an unknown member `k` is reported as `name.k`, or as
 * `name: k` when `name` ends with a colon (a function name).
 *
 * @throws a `PortcullisError` with code `invalid_configuration` naming the option.
 * @example
 * ```ts
 * import { optionsObject } from '@portcullis/core'
 * const jwks = optionsObject(options.jwks ?? {}, 'jwks', ['timeout', 'maxKeys'])
 * ```
 */
export function optionsObject<T extends object>(value: T, name: string, known: Iterable<string>): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw configurationError(`${name.replace(/:$/, '')} must be an object`)
  const allowed = known instanceof Set ? (known as ReadonlySet<string>) : new Set(known)
  for (const key of Object.keys(value)) {
    if (!allowed.has(key)) throw configurationError(`${name.endsWith(':') ? `${name} ` : name === '' ? '' : `${name}.`}${key} is not an option`)
  }
  return value
}

/**
 * An integer option in `[min, max]`, or `fallback` when it is `undefined`.
 *
 * @throws a `PortcullisError` with code `invalid_configuration`: "`name` must be an integer from min to max".
 * @example
 * ```ts
 * import { integerOption } from '@portcullis/core'
 * const maxKeys = integerOption(jwks.maxKeys, 'jwks.maxKeys', 32, 1, 1000)
 * ```
 */
export function integerOption<F extends number | undefined>(value: unknown, name: string, fallback: F, min: number, max = Number.MAX_SAFE_INTEGER): number | F {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw configurationError(`${name} must be an integer from ${min} to ${max}`)
  }
  return value
}

/**
 * A finite number option in `[min, max]` (fractions allowed), or `fallback` when `undefined`.
 * `unit` names what it counts in the message (`seconds`, `ms`).
 *
 * @throws a `PortcullisError` with code `invalid_configuration`: "`name` must be a number of unit from min to max".
 * @example
 * ```ts
 * import { numberOption } from '@portcullis/core'
 * const tolerance = numberOption(options.clockTolerance, 'clockTolerance', 5, 'seconds', 0, 300)
 * ```
 */
export function numberOption<F extends number | undefined>(
  value: unknown,
  name: string,
  fallback: F,
  unit: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | F {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw configurationError(`${name} must be a number of ${unit} from ${min} to ${max}`)
  }
  return value
}
