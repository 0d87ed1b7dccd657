import type { KeyObject } from 'node:crypto'
import type { IdentityParts } from '../identity/build-identity.js'
import { TokenInvalid } from '../internal/failures.js'
import type { KeySource } from '../jwks/key-source.js'
import { checkHeader } from './check-header.js'
import { isNumericDate } from './numeric-date.js'
import { parseCompactJws } from './parse-jws.js'
import { validateClaims, type ClaimRules } from './validate-claims.js'
import { verifySignature } from './verify-signature.js'

/** Everything the verifier needs, compiled once from the options. */
export interface JwtVerifierConfig {
  /** The allow-list of `alg` values (RFC 8725 §3.1). */
  readonly algorithms: ReadonlySet<string>
  /** Trusted issuers, each with its own keys (RFC 8725 §3.8). */
  readonly issuers: ReadonlyMap<string, KeySource>
  readonly rules: ClaimRules
  /** Current time in milliseconds. */
  readonly clock: () => number
}

/** A verified access token. */
export interface VerifiedJwt {
  readonly issuer: string
  readonly header: Readonly<Record<string, unknown>>
  readonly payload: Record<string, unknown>
  /** The key whose signature was verified (the verified-token cache ties entries to it). */
  readonly key: KeyObject
  /** The token's digest, on answers of the verified-token cache (which keys by it): saves recomputing it. */
  readonly tokenHash?: string
  /**
   * The identity parts of the claims, validated once by the first request that used this
   * verification and shared by the next ones (the verified-token cache keeps them).
   */
  identityParts?: IdentityParts
}

/**
 * Verifies a JWT access token (RFC 7519 §7.2, RFC 8725, RFC 9068 §4) in this order: strict
 * compact parsing, header checks, issuer lookup (the keys are chosen by the claimed issuer,
 * and only that issuer's keys can verify it), signature, then claims. Throws `TokenInvalid`
 * for a bad token and `DependencyUnavailable` when the issuer's keys cannot be obtained.
 */
export async function verifyJwt(token: string, config: JwtVerifierConfig): Promise<VerifiedJwt> {
  const jws = parseCompactJws(token)
  const header = checkHeader(jws.header, config.algorithms)
  const iss = jws.payload['iss']
  const source = typeof iss === 'string' ? config.issuers.get(iss) : undefined
  if (source === undefined || typeof iss !== 'string') {
    throw TokenInvalid.create('issuer', iss === undefined ? 'The "iss" claim is missing' : 'The token issuer is not trusted')
  }
  // The hint lets a remote key set refetch early for a token newer than its keys (rotation),
  // and only for one that would otherwise be accepted.
  const keys = await source.getKeys(header.alg, header.kid, {
    issuedAt: () => plausibleIssuedAt(header.typ, jws.payload, config),
  })
  if (keys.length === 0) throw TokenInvalid.create('unknown_key', 'No key of the issuer matches the token')
  let verifiedBy: KeyObject | undefined
  for (const key of keys) {
    if (verifySignature(header.alg, key, jws.signingInput, jws.signature)) {
      verifiedBy = key
      break
    }
  }
  if (verifiedBy === undefined) throw TokenInvalid.create('signature', 'The token signature is invalid')
  validateClaims(header.typ, jws.payload, config.rules, config.clock() / 1000)
  return { issuer: iss, header: jws.header, payload: jws.payload, key: verifiedBy }
}

/** The token's `iat` when its claims pass every check but the signature's, else undefined. */
function plausibleIssuedAt(typ: string | undefined, payload: Record<string, unknown>, config: JwtVerifierConfig): number | undefined {
  try {
    validateClaims(typ, payload, config.rules, config.clock() / 1000)
  } catch {
    return undefined
  }
  const iat = payload['iat']
  return isNumericDate(iat) ? iat : undefined
}
