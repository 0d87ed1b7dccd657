import type { StepUpRequirement } from '../credentials/rejections.js'
import { configurationError } from '../errors.js'
import type { Identity } from '../identity/identity.js'
import { isQuotable } from '../credentials/challenge.js'

/** Requirements on the user authentication behind a token (RFC 9470). */
export interface StepUpOptions {
  /** Acceptable `acr` values, most preferred first: the token's `acr` must be one of them. */
  acr?: string | readonly string[]
  /** Maximum seconds since the user authenticated (`auth_time`); a token without `auth_time` fails. */
  maxAge?: number
}

/** Compiled step-up rule. */
export interface StepUpRule {
  readonly acrValues: readonly string[] | undefined
  readonly maxAge: number | undefined
}

/** Validates `acr` / `maxAge`; `undefined` when neither is set. */
export function compileStepUp(options: StepUpOptions, prefix = ''): StepUpRule | undefined {
  const { acr, maxAge } = options
  let acrValues: string[] | undefined
  if (acr !== undefined) {
    acrValues = typeof acr === 'string' ? [acr] : Array.isArray(acr) ? [...(acr as string[])] : []
    // RFC 9470 §3: acr_values is space-separated, so a value cannot contain a space; it must
    // also fit in a quoted-string of the challenge.
    if (acrValues.length === 0 || !acrValues.every((v) => typeof v === 'string' && v !== '' && !v.includes(' ') && isQuotable(v))) {
      throw configurationError(`${prefix}acr must be a non-empty string or array of strings without spaces or quotes`)
    }
  }
  if (maxAge !== undefined && (typeof maxAge !== 'number' || !Number.isInteger(maxAge) || maxAge < 0)) {
    throw configurationError(`${prefix}maxAge must be a non-negative integer number of seconds`)
  }
  if (acrValues === undefined && maxAge === undefined) return undefined
  return { acrValues: acrValues === undefined ? undefined : Object.freeze(acrValues), maxAge }
}

/** What failed, with the message for the challenge. */
export interface StepUpFailure {
  readonly requirement: StepUpRequirement
  readonly description: string
}

/**
 * Checks `identity` against `rule` at `nowMs` (RFC 9470 §6.1/§6.2: `acr` and
 * `auth_time` come from the JWT or the introspection response alike). The challenge asks for
 * everything the rule requires, so the client can satisfy it in one re-authentication
 * (RFC 9470 §3). `max_age` counts strictly: no clock tolerance extends an authentication's age.
 */
export function checkStepUp(identity: Identity, rule: StepUpRule, nowMs: number): StepUpFailure | undefined {
  const requirement: StepUpRequirement = {
    ...(rule.acrValues === undefined ? {} : { acrValues: rule.acrValues }),
    ...(rule.maxAge === undefined ? {} : { maxAge: rule.maxAge }),
  }
  if (rule.acrValues !== undefined && (identity.acr === undefined || !rule.acrValues.includes(identity.acr))) {
    return { requirement, description: 'A stronger authentication is required' }
  }
  if (rule.maxAge !== undefined) {
    if (identity.authTime === undefined) return { requirement, description: 'The time of authentication is unknown' }
    if ((nowMs - identity.authTime.getTime()) / 1000 > rule.maxAge) {
      return { requirement, description: 'A more recent authentication is required' }
    }
  }
  return undefined
}
