/**
 * `WWW-Authenticate` challenges (RFC 6750 §3, RFC 9470 §3, RFC 9728 §5.1).
 *
 * Every value we put in a quoted-string is reduced to the characters RFC 6750 §3 allows
 * (RFC 6750 §3: %x20-21 / %x23-5B / %x5D-7E), so a description can never break the header or
 * smuggle a second parameter, whatever text reaches it.
 */

/** Parameters of one challenge. Undefined members are omitted. */
export interface ChallengeParams {
  realm: string
  error?: string
  error_description?: string
  scope?: string
  acr_values?: string
  max_age?: number
  resource_metadata?: string
  algs?: string
}

const NOT_QUOTABLE = /[^\x20\x21\x23-\x5b\x5d-\x7e]/g
const MAX_DESCRIPTION = 200

/** Reduces `value` to the RFC 6750 quoted-string alphabet and a bounded length. */
function toQuotable(value: string, max = MAX_DESCRIPTION): string {
  const clean = value.replace(NOT_QUOTABLE, '')
  return clean.length > max ? clean.slice(0, max) : clean
}

/** True when `value` can be used verbatim in a challenge (validated configuration values). */
export function isQuotable(value: string): boolean {
  return !/[^\x20\x21\x23-\x5b\x5d-\x7e]/.test(value)
}

/**
 * Formats one challenge: `Bearer realm="api", error="invalid_token", ...`. Every value is
 * reduced to the RFC 6750 quoted-string alphabet, so no input can add a parameter.
 *
 * @example
 * ```ts
 * import { formatChallenge } from '@portcullis/core'
 * res.setHeader('WWW-Authenticate', formatChallenge('Bearer', { realm: 'api', error: 'insufficient_scope', scope: 'orders:read' }))
 * ```
 */
export function formatChallenge(scheme: string, params: ChallengeParams): string {
  let out = `${scheme} realm="${quoted(params.realm)}"`
  if (params.error !== undefined) out += `, error="${quoted(params.error)}"`
  if (params.error_description !== undefined && params.error_description !== '') {
    out += `, error_description="${toQuotable(params.error_description)}"`
  }
  if (params.scope !== undefined) out += `, scope="${quoted(params.scope)}"`
  if (params.acr_values !== undefined) out += `, acr_values="${quoted(params.acr_values)}"`
  if (params.max_age !== undefined) out += `, max_age="${Math.max(0, Math.floor(params.max_age))}"`
  if (params.algs !== undefined) out += `, algs="${quoted(params.algs)}"`
  if (params.resource_metadata !== undefined) out += `, resource_metadata="${quoted(params.resource_metadata)}"`
  return out
}

// Every value, not only the description: a caller may build challenges from policy data.
function quoted(value: string): string {
  return isQuotable(value) ? value : value.replace(NOT_QUOTABLE, '')
}
