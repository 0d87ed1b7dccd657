/**
 * The asymmetric JWS algorithms a {@link LocalIssuer} can sign with (RFC 7518 section 3, RFC 8037).
 * `EdDSA` always means Ed25519.
 *
 * @example
 * ```ts
 * import type { SigningAlgorithm } from '@portcullis/testing'
 * const alg: SigningAlgorithm = 'ES256'
 * ```
 */
export type SigningAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'

/**
 * Every {@link SigningAlgorithm}, in RFC 7518 order; handy for `it.each` over all of them.
 *
 * @example
 * ```ts
 * import { SIGNING_ALGORITHMS, createIssuer } from '@portcullis/testing'
 * const issuer = await createIssuer({ algorithms: [...SIGNING_ALGORITHMS] })
 * ```
 */
export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = Object.freeze([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
])

/**
 * What {@link signRaw} can actually sign with: the asymmetric algorithms, plus HMAC (for
 * algorithm-confusion attacks) and `none` (an empty signature, for unsecured-JWT attacks).
 *
 * @example
 * ```ts
 * import type { RawSigningAlgorithm } from '@portcullis/testing'
 * const attack: RawSigningAlgorithm = 'HS256'
 * ```
 */
export type RawSigningAlgorithm = SigningAlgorithm | 'HS256' | 'HS384' | 'HS512' | 'none'

