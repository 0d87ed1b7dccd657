import type { KeyObject } from 'node:crypto'

/** JWS algorithms Portcullis verifies (RFC 7518 §3, RFC 8037). `none` is not one of them. */
export type AsymmetricAlgorithm =
  | 'RS256' | 'RS384' | 'RS512'
  | 'PS256' | 'PS384' | 'PS512'
  | 'ES256' | 'ES384' | 'ES512'
  | 'EdDSA'
export type HmacAlgorithm = 'HS256' | 'HS384' | 'HS512'
export type Algorithm = AsymmetricAlgorithm | HmacAlgorithm

/**
 * The default allow-list: every current asymmetric algorithm, no HMAC, no `none`.
 *
 * @example
 * ```ts
 * import { DEFAULT_ALGORITHMS } from '@portcullis/core'
 * requireToken({ issuer, audience, algorithms: DEFAULT_ALGORITHMS.filter((alg) => alg !== 'RS256') })
 * ```
 */
export const DEFAULT_ALGORITHMS: readonly AsymmetricAlgorithm[] = Object.freeze([
  'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA',
])

/** How one algorithm verifies: digest, padding or signature encoding, and the key it needs. */
export interface AlgorithmSpec {
  readonly family: 'rsa' | 'rsa-pss' | 'ec' | 'okp' | 'hmac'
  /** Digest for node:crypto (`null` for EdDSA, which hashes internally). */
  readonly hash: 'sha256' | 'sha384' | 'sha512' | null
  /** ECDSA: the curve the key must be on, and the exact raw (r||s) signature length. */
  readonly curve?: string
  readonly signatureLength?: number
  /** HMAC: the minimum key length in bytes (RFC 7518 §3.2: at least the hash size). */
  readonly minSecretBytes?: number
}

export const ALGORITHMS: Readonly<Record<Algorithm, AlgorithmSpec>> = Object.freeze({
  RS256: { family: 'rsa', hash: 'sha256' },
  RS384: { family: 'rsa', hash: 'sha384' },
  RS512: { family: 'rsa', hash: 'sha512' },
  PS256: { family: 'rsa-pss', hash: 'sha256' },
  PS384: { family: 'rsa-pss', hash: 'sha384' },
  PS512: { family: 'rsa-pss', hash: 'sha512' },
  ES256: { family: 'ec', hash: 'sha256', curve: 'prime256v1', signatureLength: 64 },
  ES384: { family: 'ec', hash: 'sha384', curve: 'secp384r1', signatureLength: 96 },
  ES512: { family: 'ec', hash: 'sha512', curve: 'secp521r1', signatureLength: 132 },
  EdDSA: { family: 'okp', hash: null },
  HS256: { family: 'hmac', hash: 'sha256', minSecretBytes: 32 },
  HS384: { family: 'hmac', hash: 'sha384', minSecretBytes: 48 },
  HS512: { family: 'hmac', hash: 'sha512', minSecretBytes: 64 },
})

/** RFC 8725 §3.5 and NIST SP 800-131A: RSA keys under 2048 bits are refused. */
export const MIN_RSA_MODULUS_BITS = 2048

/** True when `name` is an algorithm this library knows (case-sensitive, as RFC 7515 §4.1.1 says). */
export function isAlgorithm(name: unknown): name is Algorithm {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(ALGORITHMS, name)
}

/** True when `alg` is one of the HMAC algorithms. */
export function isHmac(alg: Algorithm): alg is HmacAlgorithm {
  return ALGORITHMS[alg].family === 'hmac'
}

/**
 * Checks that a public key may verify `alg` (RFC 8725 §3.1): the key type and curve
 * are bound to the algorithm, so a key can never be used under another algorithm family.
 */
export function keyFitsAlgorithm(key: KeyObject, alg: AsymmetricAlgorithm): boolean {
  if (key.type !== 'public') return false
  const spec = ALGORITHMS[alg]
  const type = key.asymmetricKeyType
  switch (spec.family) {
    case 'rsa':
    case 'rsa-pss': {
      // An `rsa-pss` key (restricted to PSS) must never verify PKCS#1 v1.5 signatures.
      const typeOk = type === 'rsa' || (spec.family === 'rsa-pss' && type === 'rsa-pss')
      return typeOk && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= MIN_RSA_MODULUS_BITS
    }
    case 'ec':
      return type === 'ec' && key.asymmetricKeyDetails?.namedCurve === spec.curve
    case 'okp':
      return type === 'ed25519' || type === 'ed448'
    default:
      return false
  }
}
