import { TokenInvalid } from '../internal/failures.js'
import { readNumericDate } from '../token/numeric-date.js'

/** The claim rules applied to an active introspection response (same as for JWTs). */
export interface IntrospectionRules {
  readonly issuers: readonly string[]
  readonly audiences: readonly string[]
  readonly clockToleranceSeconds: number
  readonly maxTokenAgeSeconds: number | undefined
  readonly requiredClaims: readonly string[]
}

function numericDate(response: Record<string, unknown>, name: string): number | undefined {
  return readNumericDate(response, name, 'member of the introspection response')
}

function checkAudience(aud: unknown, audiences: readonly string[]): void {
  const list = typeof aud === 'string' ? [aud] : Array.isArray(aud) && aud.every((a) => typeof a === 'string') ? (aud as string[]) : undefined
  if (list === undefined) throw TokenInvalid.create('audience', 'The "aud" member is malformed')
  if (!list.some((a) => audiences.includes(a))) throw TokenInvalid.create('audience', 'The access token is not intended for this audience')
}

/**
 * Checks an active introspection response (RFC 7662 §2.2) at `nowSeconds` like a JWT's claims:
 * `iss`, when present, must be `defaultIssuer` (the issuer whose endpoint was called), and `aud`
 * must name this resource server when present
 * (RFC 7662 §4: the AS checks the audience too, so they are optional here); `exp`, `nbf` and `iat`
 * are honoured with the clock tolerance, since a cached answer can outlive the token. Returns
 * the issuer of the token (always `defaultIssuer`).
 */
export function validateIntrospection(
  response: Record<string, unknown>,
  defaultIssuer: string,
  rules: IntrospectionRules,
  nowSeconds: number,
): string {
  const iss = response['iss']
  // An endpoint speaks only for its own issuer: with several issuers configured, one issuer's
  // endpoint answering with another's `iss` must not mint identities in that issuer's name.
  if (iss !== undefined && (typeof iss !== 'string' || iss !== defaultIssuer || !rules.issuers.includes(iss))) {
    throw TokenInvalid.create('issuer', 'The token issuer is not the issuer whose introspection endpoint answered')
  }
  for (const name of rules.requiredClaims) {
    if (!Object.hasOwn(response, name) || response[name] === undefined) {
      throw TokenInvalid.create('claims', `The "${name}" claim is missing`)
    }
  }
  const tolerance = rules.clockToleranceSeconds
  const exp = numericDate(response, 'exp')
  if (exp !== undefined && exp <= nowSeconds - tolerance) throw TokenInvalid.create('expired', 'The access token expired')
  const nbf = numericDate(response, 'nbf')
  if (nbf !== undefined && nbf > nowSeconds + tolerance) throw TokenInvalid.create('not_yet_valid', 'The access token is not valid yet')
  const iat = numericDate(response, 'iat')
  if (iat !== undefined && iat > nowSeconds + tolerance) throw TokenInvalid.create('not_yet_valid', 'The access token was issued in the future')
  if (rules.maxTokenAgeSeconds !== undefined) {
    if (iat === undefined) throw TokenInvalid.create('claims', 'The "iat" claim is missing')
    if (nowSeconds - iat > rules.maxTokenAgeSeconds + tolerance) throw TokenInvalid.create('expired', 'The access token is too old')
  }
  if (response['aud'] !== undefined) checkAudience(response['aud'], rules.audiences)
  // RFC 7662 §2.2 token_type is the kind of access token ("Bearer", "DPoP"); a refresh token
  // that an AS reports active is not an access token.
  const tokenType = response['token_type']
  if (tokenType !== undefined && (typeof tokenType !== 'string' || tokenType.toLowerCase() === 'refresh_token')) {
    throw TokenInvalid.create('token_type', 'The token is not an access token')
  }
  return typeof iss === 'string' ? iss : defaultIssuer
}
