import { TokenInvalid } from '../internal/failures.js'
import type { Algorithm } from './algorithms.js'

/** `kid` is attacker-controlled (RFC 8725 §3.10): bound it before it is used as a map key. */
export const MAX_KID_LENGTH = 256

/** The header members the verifier relies on, checked. */
export interface CheckedHeader {
  readonly alg: Algorithm
  readonly kid: string | undefined
  readonly typ: string | undefined
}

/**
 * Checks the JOSE header of an access token (RFC 7515 §4.1, RFC 8725 §3.1):
 * - `alg` must be on the allow-list (which never holds `none`; RFC 8725 §3.1; RFC 9068 §4);
 * - `crit` names extensions the verifier must understand; Portcullis understands none, so
 *   any `crit` is refused (RFC 7515 §4.1.11), and so is `b64: false` (RFC 7797 §7);
 * - nested JWTs (`cty: JWT`) and compressed payloads (`zip`) are refused;
 * - `jku`, `x5u`, `jwk` and `x5c` are never used to find a key (RFC 8725 §3.10): keys come only from
 *   the issuer's configured key set, so these members are simply ignored.
 */
export function checkHeader(header: Readonly<Record<string, unknown>>, allowed: ReadonlySet<string>): CheckedHeader {
  const { alg, kid, typ, crit, b64, cty } = header
  if (typeof alg !== 'string' || !allowed.has(alg)) {
    throw TokenInvalid.create('algorithm', 'The token algorithm is not allowed')
  }
  if (crit !== undefined) {
    throw TokenInvalid.create('malformed', 'The token has critical header parameters that are not supported')
  }
  if (b64 !== undefined && b64 !== true) {
    throw TokenInvalid.create('malformed', 'Unencoded JWS payloads are not supported')
  }
  if (header['zip'] !== undefined) throw TokenInvalid.create('malformed', 'Compressed tokens are not supported')
  if (cty !== undefined && (typeof cty !== 'string' || cty.toUpperCase() === 'JWT')) {
    throw TokenInvalid.create('malformed', 'Nested tokens are not supported')
  }
  if (kid !== undefined && (typeof kid !== 'string' || kid.length === 0 || kid.length > MAX_KID_LENGTH)) {
    throw TokenInvalid.create('malformed', 'The token "kid" header is malformed')
  }
  if (typ !== undefined && typeof typ !== 'string') {
    throw TokenInvalid.create('malformed', 'The token "typ" header is malformed')
  }
  return { alg: alg as Algorithm, kid: kid as string | undefined, typ: typ as string | undefined }
}
