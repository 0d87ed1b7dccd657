/**
 * Shape checks of the optional sections: rate limits, metrics, tracing and the upstream token.
 * Values the core validates itself (limits, windows, tier names) are checked when the rule is
 * compiled, and reported at the same field.
 */
import type { FieldPath } from './config-error.js'

/** Reports one problem at a field. */
export type IssueSink = (path: FieldPath, message: string) => void

const RATE_LIMIT_KEYS = ['key', 'points', 'duration', 'tiers']
const TIER_KEYS = ['when', 'points', 'duration', 'name']
const UPSTREAM_TOKEN_KEYS = ['issuer', 'audience', 'lifetime', 'algorithm', 'key', 'publishedKeys', 'header', 'claims', 'jwksUri']
// RFC 9110 §5.1 field-name (token); kept to the characters every proxy accepts in a name.
const HEADER_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/
// Headers the proxy or the gateway own: the upstream token cannot replace them.
const RESERVED_HEADERS = ['host', 'content-length', 'transfer-encoding', 'connection', 'cookie', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto']

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function unknownKeys(object: Record<string, unknown>, allowed: readonly string[], path: FieldPath, issue: IssueSink): void {
  for (const key of Object.keys(object)) if (!allowed.includes(key)) issue([...path, key], `is not a setting (expected one of: ${allowed.join(', ')})`)
}

function absoluteUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false
  try {
    const url = new URL(value)
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hash === '' && url.search === ''
  } catch {
    return false
  }
}

/** `rateLimit` (top level or a rule's): `{ key?, points, duration }` or `{ key?, tiers }`. */
export function checkRateLimit(value: unknown, path: FieldPath, issue: IssueSink, allowFalse: boolean): void {
  if (value === false && allowFalse) return
  if (!isObject(value)) {
    issue(path, `must be { key?, points, duration } or { key?, tiers }${allowFalse ? ', or false' : ''}`)
    return
  }
  unknownKeys(value, RATE_LIMIT_KEYS, path, issue)
  const key = value['key']
  if (key !== undefined && key !== 'subject' && key !== 'client' && key !== 'ip') {
    if (!isObject(key) || Object.keys(key).length !== 1 || typeof key['claim'] !== 'string' || key['claim'] === '') {
      issue([...path, 'key'], 'must be subject, client, ip or { claim: name }')
    }
  }
  const tiers = value['tiers']
  if (tiers === undefined) {
    if (value['points'] === undefined) issue(path, 'points is required (with duration), or tiers')
    if (value['duration'] === undefined) issue(path, 'duration (seconds) is required (with points), or tiers')
    return
  }
  if (!Array.isArray(tiers) || tiers.length === 0) {
    issue([...path, 'tiers'], 'must be a list of { when?, points, duration, name? }')
    return
  }
  tiers.forEach((tier: unknown, index) => {
    const at = [...path, 'tiers', index]
    if (!isObject(tier)) issue(at, 'must be { when?, points, duration, name? }')
    else {
      unknownKeys(tier, TIER_KEYS, at, issue)
      const when = tier['when']
      if (when !== undefined && (!isObject(when) || !('scope' in when || 'claim' in when))) issue([...at, 'when'], 'must be { scope } or { claim, value }')
    }
  })
}

/** `metrics: { enabled, path? }`. */
export function checkMetrics(value: unknown, issue: IssueSink): void {
  if (!isObject(value)) {
    issue(['metrics'], 'must be { enabled, path? }')
    return
  }
  unknownKeys(value, ['enabled', 'path'], ['metrics'], issue)
  if (typeof value['enabled'] !== 'boolean') issue(['metrics', 'enabled'], 'must be true or false')
  const path = value['path']
  if (path !== undefined && (typeof path !== 'string' || !/^\/[A-Za-z0-9._~/-]{1,200}$/.test(path))) issue(['metrics', 'path'], 'must be an absolute path such as /metrics')
}

/** `upstreamToken: { issuer, audience, ... }`. */
export function checkUpstreamToken(value: unknown, issue: IssueSink): void {
  const at: FieldPath = ['upstreamToken']
  if (!isObject(value)) {
    issue(at, 'must be { issuer, audience, lifetime?, algorithm?, key?, header?, claims? }')
    return
  }
  unknownKeys(value, UPSTREAM_TOKEN_KEYS, at, issue)
  if (!absoluteUrl(value['issuer'])) issue([...at, 'issuer'], 'is required: an absolute http(s) URL without query or fragment')
  if (typeof value['audience'] !== 'string' || value['audience'] === '') issue([...at, 'audience'], 'is required: the audience of the upstream')
  const lifetime = value['lifetime']
  if (lifetime !== undefined && (typeof lifetime !== 'number' || !Number.isInteger(lifetime) || lifetime < 10 || lifetime > 3600)) {
    issue([...at, 'lifetime'], 'must be an integer number of seconds from 10 to 3600')
  }
  const algorithm = value['algorithm']
  if (algorithm !== undefined && algorithm !== 'ES256' && algorithm !== 'EdDSA' && algorithm !== 'RS256') issue([...at, 'algorithm'], 'must be ES256, EdDSA or RS256')
  if (value['key'] !== undefined && (typeof value['key'] !== 'string' || value['key'] === '')) issue([...at, 'key'], 'must be the path of a PEM private key file')
  const published = value['publishedKeys']
  if (published !== undefined && (!Array.isArray(published) || published.length > 10 || !published.every((p) => typeof p === 'string' && p !== ''))) {
    issue([...at, 'publishedKeys'], 'must be a list of at most 10 PEM key files')
  }
  const header = value['header']
  // The gateway's own answer headers (identity, error, status) are not free either.
  if (header !== undefined && (typeof header !== 'string' || !HEADER_NAME.test(header) || RESERVED_HEADERS.includes(header.toLowerCase()) || header.toLowerCase().startsWith('x-portcullis-'))) {
    issue([...at, 'header'], 'must be a header name (Authorization, or a custom one) that the proxy does not own')
  }
  const claims = value['claims']
  if (claims !== undefined && (!Array.isArray(claims) || claims.length > 50 || !claims.every((c) => typeof c === 'string' && c !== ''))) {
    issue([...at, 'claims'], 'must be a list of claim names')
  } else if (Array.isArray(claims)) {
    // Claims the gateway sets itself; a copy would let the external issuer choose them.
    for (const [i, claim] of (claims as string[]).entries()) {
      if (['iss', 'aud', 'exp', 'iat', 'nbf', 'jti', 'cnf'].includes(claim)) issue([...at, 'claims', i], `${claim} is set by the gateway and cannot be copied`)
    }
  }
  if (value['jwksUri'] !== undefined && !absoluteUrl(value['jwksUri'])) issue([...at, 'jwksUri'], 'must be an absolute http(s) URL')
}

/** A rule's `upstreamToken`: `{ audience }` or `false`. */
export function checkRuleUpstreamToken(value: unknown, path: FieldPath, issue: IssueSink, configured: boolean): void {
  if (!configured) {
    issue(path, 'needs the top-level upstreamToken section')
    return
  }
  if (value === false) return
  if (!isObject(value)) {
    issue(path, 'must be { audience } or false')
    return
  }
  unknownKeys(value, ['audience'], path, issue)
  if (typeof value['audience'] !== 'string' || value['audience'] === '') issue([...path, 'audience'], 'must be the audience of this upstream')
}
