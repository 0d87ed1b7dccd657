import type { RawSigningAlgorithm } from './algorithms.js'
import type { IssuerKey } from './keys.js'
import { compactJws } from './internal/jws.js'

/**
 * Options of {@link signRaw}.
 *
 * @example
 * ```ts
 * import type { SignRawOptions } from '@portcullis/testing'
 * const confusion: SignRawOptions = { signWith: 'HS256' } // HMAC keyed with the public key PEM
 * ```
 */
export interface SignRawOptions {
  /**
   * Algorithm actually used to sign; default `key.alg`. The header's `alg` is never consulted,
   * so a token can claim one algorithm and be signed with another. `HS*` without `secret` uses
   * the key's public SPKI PEM as the HMAC secret (the RS256 -> HS256 confusion attack); `none`
   * produces an empty signature.
   */
  signWith?: RawSigningAlgorithm
  /** HMAC secret for `HS*`. */
  secret?: Uint8Array | string
}

/**
 * Signs an arbitrary header and payload into a compact JWS, synchronously: for malformed and
 * attack tokens that {@link LocalIssuer.mint} would not produce. Nothing is added or checked.
 *
 * @param header - the protected header, serialised with `JSON.stringify`; a string is used
 *   verbatim (e.g. duplicate members: `'{"alg":"RS256","alg":"none"}'`).
 * @param payload - any JSON value; a string or `Uint8Array` is used verbatim as the payload bytes.
 * @param key - the key whose private half signs.
 * @returns `header.payload.signature`, base64url-encoded.
 * @example
 * ```ts
 * import { createIssuer, signRaw } from '@portcullis/testing'
 * const issuer = await createIssuer()
 * const key = issuer.keys[0]!
 * const token = signRaw({ alg: 'RS256', kid: key.kid, crit: ['exp'] }, { sub: 'x' }, key)
 * ```
 */
export function signRaw(
  header: Record<string, unknown> | string,
  payload: unknown,
  key: IssuerKey,
  options: SignRawOptions = {},
): string {
  return compactJws(header, payload, options.signWith ?? key.alg, key.privateKey, options.secret)
}
