import type { Effect } from '../algebra/decision.js'

/**
 * Names of the built-in obligation handlers.
 *
 * @example
 * ```ts
 * const id: BuiltInObligation = 'step-up'
 * ```
 */
export type BuiltInObligation = 'step-up' | 'enhanced-monitoring' | 'response-headers'

/**
 * An obligation (must be discharged, or the PEP denies) or advice (may be ignored), attached
 * to a rule, policy or policy set. It is returned only when the node's decision equals
 * `fulfillOn` and every enclosing node agrees with the final decision (XACML §7.18).
 *
 * @example
 * ```ts
 * const spec: ObligationSpec = { id: 'step-up', params: { acrValues: ['urn:example:mfa'], maxAge: 300 } }
 * ```
 */
export interface ObligationSpec {
  /** The handler name: a built-in (`step-up`, `enhanced-monitoring`, `response-headers`) or one of `obligationHandlers`. */
  readonly id: string
  /** The decision it attaches to; default: the rule's effect (`Permit` for policies). */
  readonly fulfillOn?: Effect
  /** Handler parameters: plain JSON data. */
  readonly params?: Readonly<Record<string, unknown>>
  /**
   * Parameters taken from attributes when the obligation is returned, by name:
   * `{ maxAge: 'resource.stepUpMaxAge' }`. A missing attribute or an invalid value makes the
   * node Indeterminate (never a Permit without its obligation).
   */
  readonly paramsFrom?: Readonly<Record<string, string>>
}

/**
 * A validated obligation or advice.
 *
 * @example
 * ```ts
 * result.obligations.map((o: CompiledObligation) => o.id) // ['response-headers']
 * ```
 */
export interface CompiledObligation {
  readonly id: string
  readonly fulfillOn: Effect
  readonly params: Readonly<Record<string, unknown>>
}

/**
 * Step-up authentication (RFC 9470): the caller must have authenticated with one of
 * `acrValues` and/or within `maxAge` seconds; otherwise the PEP answers 401
 * `insufficient_user_authentication` with `acr_values` / `max_age`.
 *
 * @example
 * ```ts
 * permit('restricted-read', { actions: ['read'], obligations: [stepUp({ acrValues: ['urn:example:mfa'], maxAge: 300 })] })
 * ```
 */
export function stepUp(params: { acrValues?: readonly string[]; maxAge?: number }, fulfillOn?: Effect): ObligationSpec {
  return { id: 'step-up', params: { ...params }, ...(fulfillOn === undefined ? {} : { fulfillOn }) }
}

/**
 * Enhanced monitoring: the decision's audit event is raised to `level` (default `WARN`).
 *
 * @example
 * ```ts
 * permit('export', { actions: ['export'], obligations: [enhancedMonitoring()] })
 * ```
 */
export function enhancedMonitoring(level: 'WARN' | 'CRITICAL' = 'WARN', fulfillOn?: Effect): ObligationSpec {
  return { id: 'enhanced-monitoring', params: { level }, ...(fulfillOn === undefined ? {} : { fulfillOn }) }
}

/**
 * Response headers the adapter sets on the response (`PolicyEnforcement.responseHeaders`).
 * Names must be HTTP tokens and values visible ASCII; checked when the policy is built.
 *
 * @example
 * ```ts
 * permit('read', { actions: ['read'], obligations: [responseHeaders({ 'Cache-Control': 'no-store' })] })
 * ```
 */
export function responseHeaders(headers: Readonly<Record<string, string>>, fulfillOn?: Effect): ObligationSpec {
  return { id: 'response-headers', params: { headers: { ...headers } }, ...(fulfillOn === undefined ? {} : { fulfillOn }) }
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/
const HEADER_VALUE = /^[\t\x20-\x7e]{0,4096}$/
const FORBIDDEN_HEADERS: ReadonlySet<string> = new Set([
  'content-length', 'transfer-encoding', 'connection', 'set-cookie', 'www-authenticate', 'host', 'upgrade', 'trailer',
])

/**
 * Checks the parameters of a built-in obligation; returns problems as `[subPath, reason]`.
 *
 * @example
 * ```ts
 * builtInParamProblems('response-headers', { headers: { 'Bad Name': 'x' } }) // [['params.headers.Bad Name', '...']]
 * ```
 */
export function builtInParamProblems(id: string, params: Readonly<Record<string, unknown>>): [string, string][] {
  const problems: [string, string][] = []
  const allowOnly = (keys: readonly string[]): void => {
    for (const key of Object.keys(params)) if (!keys.includes(key)) problems.push([`params.${key}`, `unknown parameter of ${id}`])
  }
  if (id === 'step-up') {
    allowOnly(['acrValues', 'maxAge'])
    const { acrValues, maxAge } = params as { acrValues?: unknown; maxAge?: unknown }
    if (acrValues === undefined && maxAge === undefined) problems.push(['params', 'step-up needs acrValues and/or maxAge'])
    if (acrValues !== undefined) {
      if (!Array.isArray(acrValues) || acrValues.length === 0 || acrValues.length > 16) {
        problems.push(['params.acrValues', 'must be a non-empty array of at most 16 acr values'])
      } else {
        acrValues.forEach((v: unknown, i) => {
          if (typeof v !== 'string' || !/^[\x21\x23-\x5b\x5d-\x7e]{1,256}$/.test(v)) problems.push([`params.acrValues[${i}]`, 'must be a non-empty string of visible ASCII without quotes, backslashes or spaces'])
        })
      }
    }
    if (maxAge !== undefined && (typeof maxAge !== 'number' || !Number.isInteger(maxAge) || maxAge < 0 || maxAge > 31_536_000)) {
      problems.push(['params.maxAge', 'must be an integer number of seconds in [0, 31536000]'])
    }
  } else if (id === 'enhanced-monitoring') {
    allowOnly(['level'])
    const level = params.level
    if (level !== undefined && level !== 'WARN' && level !== 'CRITICAL') problems.push(['params.level', "must be 'WARN' or 'CRITICAL'"])
  } else if (id === 'response-headers') {
    allowOnly(['headers'])
    const headers = params.headers
    if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) {
      problems.push(['params.headers', 'must be an object of header names to values'])
    } else {
      for (const [name, value] of Object.entries(headers)) {
        if (!HEADER_NAME.test(name)) problems.push([`params.headers.${name}`, 'is not a valid header name (RFC 9110 token)'])
        else if (FORBIDDEN_HEADERS.has(name.toLowerCase())) problems.push([`params.headers.${name}`, 'may not be set by a policy'])
        if (typeof value !== 'string' || !HEADER_VALUE.test(value)) problems.push([`params.headers.${name}`, 'must be a string of visible ASCII (no CR/LF), at most 4096 characters'])
      }
    }
  }
  return problems
}
