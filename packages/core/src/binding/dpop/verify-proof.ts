import { createHash, timingSafeEqual, type KeyObject } from 'node:crypto'
import { importJwk } from '../../jwks/import-jwk.js'
import { jwkThumbprintOf } from '../../jwks/jwk-thumbprint.js'
import { TokenInvalid } from '../../internal/failures.js'
import { keyFitsAlgorithm, type AsymmetricAlgorithm } from '../../token/algorithms.js'
import { isNumericDate } from '../../token/numeric-date.js'
import { parseCompactJws } from '../../token/parse-jws.js'
import { verifySignature } from '../../token/verify-signature.js'
import { normaliseHtu } from './htu.js'

/** What the proof check needs, compiled from `dpop` options. */
export interface ProofRules {
  readonly algorithms: ReadonlySet<AsymmetricAlgorithm>
  /** Longest proof accepted, in characters. */
  readonly maxProofLength: number
  /** Longest `jti` accepted (RFC 9449 §11.1: bounded before it reaches the replay store). */
  readonly maxJtiLength: number
  /** How old a proof may be (seconds after `iat`, RFC 9449 §11.1). */
  readonly maxAgeSeconds: number
  /** Leeway for clock skew (seconds), also how far in the future `iat` may be. */
  readonly clockToleranceSeconds: number
}

/** A proof that passed every check of RFC 9449 §4.3 that does not need state. */
export interface VerifiedProof {
  /** RFC 7638 SHA-256 thumbprint of the proof key. */
  readonly jkt: string
  readonly jti: string
  /** `iat` in seconds. */
  readonly iat: number
  readonly nonce: unknown
}

/** What the request says the proof must match. */
export interface ProofExpectations {
  readonly method: string
  /** Normalised external request URI without query and fragment. */
  readonly uri: string
  readonly accessToken: string
  /** Current time in milliseconds. */
  readonly now: number
}

// RFC 7518 §6.2.2, §6.3.2, §6.4 and RFC 8037 §2: members only private or symmetric keys have.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']

const MAX_RSA_BITS = 8192
const MAX_RSA_EXPONENT = 0xffffffffn

function invalid(reason: string, description: string): TokenInvalid {
  return TokenInvalid.create(reason, description)
}


function importProofKey(jwk: unknown, alg: AsymmetricAlgorithm): KeyObject {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw invalid('dpop_key', 'The DPoP proof has no public key (jwk)')
  }
  const record = jwk as Record<string, unknown>
  // RFC 9449 §4.2, §4.3: a private or symmetric key in the header is refused, not stripped.
  if (PRIVATE_MEMBERS.some((name) => record[name] !== undefined)) {
    throw invalid('dpop_key', 'The DPoP proof key must be a public key')
  }
  const entry = importJwk(jwk)
  if (entry === undefined) throw invalid('dpop_key', 'The DPoP proof key is not a usable public key')
  if (entry.alg !== undefined && entry.alg !== alg) throw invalid('dpop_key', 'The DPoP proof key is bound to another algorithm')
  // RFC 8725 §3.1: the key type (and curve) must be the one the algorithm needs.
  if (!keyFitsAlgorithm(entry.key, alg)) throw invalid('dpop_key', 'The DPoP proof key does not fit its algorithm')
  // The client picks this key: a huge modulus or public exponent would make each verification
  // as costly as a private-key operation. Real clients use e = 65537 and at most 8192 bits.
  const details = entry.key.asymmetricKeyDetails
  if (
    entry.key.asymmetricKeyType === 'rsa' &&
    ((details?.modulusLength ?? 0) > MAX_RSA_BITS || (details?.publicExponent ?? 0n) > MAX_RSA_EXPONENT)
  ) {
    throw invalid('dpop_key', 'The DPoP proof key is too large')
  }
  return entry.key
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

/**
 * Verifies a DPoP proof against the request (RFC 9449 §4.3, checks 2 to 12 except the nonce and
 * replay checks, which need state): one well-formed JWT, `typ` `dpop+jwt`, an allowed
 * asymmetric `alg` (§11.6), a public `jwk` that fits the algorithm and verifies the signature,
 * the required claims, `htm`, `htu`, `iat` within the window (§11.1), and `ath`. Throws
 * `TokenInvalid`.
 */
export function verifyProof(proof: string, expected: ProofExpectations, rules: ProofRules): VerifiedProof {
  if (proof.length > rules.maxProofLength) throw invalid('dpop_malformed', 'The DPoP proof is too large')
  let parsed
  try {
    parsed = parseCompactJws(proof)
  } catch {
    throw invalid('dpop_malformed', 'The DPoP proof is not a well-formed JWT')
  }
  const { header, payload } = parsed
  if (typeof header['typ'] !== 'string' || header['typ'].toLowerCase() !== 'dpop+jwt') {
    throw invalid('dpop_type', 'The DPoP proof type must be dpop+jwt')
  }
  const alg = header['alg']
  if (typeof alg !== 'string' || !rules.algorithms.has(alg as AsymmetricAlgorithm)) {
    throw invalid('dpop_algorithm', 'The DPoP proof algorithm is not allowed')
  }
  if (header['crit'] !== undefined || (header['b64'] !== undefined && header['b64'] !== true)) {
    throw invalid('dpop_malformed', 'The DPoP proof has unsupported header parameters')
  }
  const key = importProofKey(header['jwk'], alg as AsymmetricAlgorithm)
  if (!verifySignature(alg as AsymmetricAlgorithm, key, parsed.signingInput, parsed.signature)) {
    throw invalid('dpop_signature', 'The DPoP proof signature is invalid')
  }
  const { jti, htm, htu, iat, ath } = payload
  if (typeof jti !== 'string' || jti === '') throw invalid('dpop_claims', 'The DPoP proof has no jti')
  if (jti.length > rules.maxJtiLength) throw invalid('dpop_claims', 'The DPoP proof jti is too long')
  if (typeof htm !== 'string' || typeof htu !== 'string') throw invalid('dpop_claims', 'The DPoP proof needs htm and htu')
  if (!isNumericDate(iat)) throw invalid('dpop_claims', 'The DPoP proof needs iat, a NumericDate in whole seconds')
  if (typeof ath !== 'string') throw invalid('dpop_claims', 'The DPoP proof needs ath with an access token')
  // HTTP methods are case-sensitive (RFC 9110 §9.1).
  if (htm !== expected.method) throw invalid('dpop_htm', 'The DPoP proof is for another HTTP method')
  // Both sides normalised (RFC 3986 §6.2.2, §6.2.3): only a different resource is refused.
  if (normaliseHtu(htu) !== expected.uri) throw invalid('dpop_htu', 'The DPoP proof is for another URI')
  const now = expected.now / 1000
  if (iat > now + rules.clockToleranceSeconds) throw invalid('dpop_iat', 'The DPoP proof was issued in the future')
  if (iat < now - rules.maxAgeSeconds - rules.clockToleranceSeconds) throw invalid('dpop_iat', 'The DPoP proof is too old')
  const hash = createHash('sha256').update(expected.accessToken, 'ascii').digest('base64url')
  if (!sameText(ath, hash)) throw invalid('dpop_ath', 'The DPoP proof is for another access token')
  return { jkt: jwkThumbprintOf(key), jti, iat, nonce: payload['nonce'] }
}
