import { TokenInvalid } from '../internal/failures.js'
import { readNumericDate } from './numeric-date.js'

/** Which access-token profile the claims are checked against. */
export type TokenProfile = 'jwt' | 'rfc9068'

/** Claim rules compiled once from the options. */
export interface ClaimRules {
  readonly audiences: readonly string[]
  readonly clockToleranceSeconds: number
  readonly maxTokenAgeSeconds: number | undefined
  readonly requiredClaims: readonly string[]
  readonly profile: TokenProfile
}

// RFC 9068 §2.2: claims the authorization server must put in every JWT access token.
export const RFC9068_REQUIRED_CLAIMS = Object.freeze(['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'])

/**
 * `typ` compares case-insensitively and may omit `application/` (RFC 7515 §4.1.9, RFC 7519 §5.1).
 * Returns the bare subtype in lower case.
 */
function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase()
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower
}

function checkTyp(typ: string | undefined, profile: TokenProfile): void {
  if (profile === 'rfc9068') {
    // RFC 9068 §4: typ must be at+jwt (or application/at+jwt), in any case.
    if (typ === undefined || normalizeTyp(typ) !== 'at+jwt') {
      throw TokenInvalid.create('typ', 'The token type is not at+jwt')
    }
    return
  }
  // Default profile: accept untyped tokens, generic JWTs and access tokens; refuse every
  // other explicit type (ID tokens typed as such, DPoP proofs, logout tokens, SETs...) so a
  // JWT of another kind is never taken for an access token (RFC 8725 §3.11, §3.12).
  if (typ === undefined) return
  const bare = normalizeTyp(typ)
  if (bare !== 'jwt' && bare !== 'at+jwt') throw TokenInvalid.create('typ', 'The token type is not an access token type')
}

// RFC 7519 §2: one shared reader (range and integer checks) for every time claim.
const numericDate = readNumericDate

/**
 * Validates the claims of a signature-verified token (RFC 7519 §4.1, RFC 9068 §4) at
 * `nowSeconds`. The issuer was matched when its keys were chosen. `exp` is required in
 * every profile: a resource server must bound token lifetime (RFC 6750 §5.2, §5.3).
 */
export function validateClaims(
  typ: string | undefined,
  payload: Record<string, unknown>,
  rules: ClaimRules,
  nowSeconds: number,
): void {
  checkTyp(typ, rules.profile)
  for (const name of rules.requiredClaims) {
    // Own members only: `constructor` or `toString` must not be found on Object.prototype.
    if (!Object.hasOwn(payload, name) || payload[name] === undefined) {
      throw TokenInvalid.create('claims', `The "${name}" claim is missing`)
    }
  }
  const tolerance = rules.clockToleranceSeconds
  const exp = numericDate(payload, 'exp')
  if (exp === undefined) throw TokenInvalid.create('claims', 'The "exp" claim is missing')
  if (exp <= nowSeconds - tolerance) throw TokenInvalid.create('expired', 'The access token expired')
  const nbf = numericDate(payload, 'nbf')
  if (nbf !== undefined && nbf > nowSeconds + tolerance) {
    throw TokenInvalid.create('not_yet_valid', 'The access token is not valid yet')
  }
  const iat = numericDate(payload, 'iat')
  if (iat !== undefined && iat > nowSeconds + tolerance) {
    throw TokenInvalid.create('not_yet_valid', 'The access token was issued in the future')
  }
  if (rules.maxTokenAgeSeconds !== undefined) {
    if (iat === undefined) throw TokenInvalid.create('claims', 'The "iat" claim is missing')
    if (nowSeconds - iat > rules.maxTokenAgeSeconds + tolerance) {
      throw TokenInvalid.create('expired', 'The access token is too old')
    }
  }
  checkAudience(payload['aud'], rules.audiences)
}

// RFC 7519 §4.1.3; RFC 9068 §4; RFC 8725 §3.9: the token must name this resource server; exact code-point equality.
function checkAudience(aud: unknown, audiences: readonly string[]): void {
  if (typeof aud === 'string') {
    if (audiences.includes(aud)) return
  } else if (Array.isArray(aud)) {
    let ok = aud.length > 0
    let match = false
    for (const item of aud) {
      if (typeof item !== 'string') ok = false
      else if (audiences.includes(item)) match = true
    }
    if (!ok) throw TokenInvalid.create('audience', 'The "aud" claim is malformed')
    if (match) return
  } else if (aud === undefined) {
    throw TokenInvalid.create('audience', 'The "aud" claim is missing')
  } else {
    throw TokenInvalid.create('audience', 'The "aud" claim is malformed')
  }
  throw TokenInvalid.create('audience', 'The access token is not intended for this audience')
}
