import { configurationError } from '../errors.js'
import { integerOption, optionsObject } from '../internal/option-checks.js'

/** Checks a check's options object (absent is `{}`) and its `score` (an integer 0-100). */
export function checkOptions<T extends object>(value: T | undefined, name: string, known: readonly string[]): T {
  if (value === undefined) return {} as T
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw configurationError(`${name} options must be an object`)
  return optionsObject(value, name, ['score', ...known])
}

/** The `score` option: an integer from 0 to 100 (the policy engine's point scale). */
export function scoreOption(value: unknown, name: string, fallback: number): number {
  return integerOption(value, `${name}.score`, fallback, 0, 100)
}
