import { createHash, randomUUID } from 'node:crypto'
import { calculateJwkThumbprint } from 'jose'
import type { JWK } from 'jose'
import type { IssuerKey } from './keys.js'
import { compactJws } from './internal/jws.js'
import { mergeMembers } from './internal/members.js'

/**
 * Options of {@link createDpopProof}.
 *
 * @example
 * ```ts
 * import type { DpopProofOptions } from '@portcullis/testing'
 * const options: Omit<DpopProofOptions, 'key'> = { htm: 'GET', htu: 'http://127.0.0.1:3000/orders' }
 * ```
 */
export interface DpopProofOptions {
  /** The client's key; its public JWK goes into the `jwk` header. */
  key: IssuerKey
  /** HTTP method of the request. */
  htm: string
  /** HTTP target URI, used verbatim (RFC 9449 wants it without query and fragment). */
  htu: string
  /** Access token the proof is bound to: adds `ath` (base64url SHA-256 of the token). */
  accessToken?: string
  /** Server-provided nonce. */
  nonce?: string
  /** Current time in ms for `iat`. Default `Date.now`. */
  clock?: () => number
  /** Claims to add or override (`undefined` removes one, e.g. `{ jti: undefined }`). */
  claims?: Record<string, unknown>
  /** Header members to add or override (`undefined` removes one). */
  header?: Record<string, unknown>
}

/**
 * Creates a DPoP proof JWT (RFC 9449 section 4.2), synchronously: header
 * `{ typ: 'dpop+jwt', alg, jwk }`, claims `jti`, `htm`, `htu`, `iat` (+ `ath`, `nonce`).
 *
 * @param options - key, request method and URI, optional access token and nonce, overrides.
 * @returns the compact proof, for the `DPoP` request header.
 * @example
 * ```ts
 * import { createIssuer, createDpopProof, generateSigningKey, jwkThumbprint } from '@portcullis/testing'
 * const issuer = await createIssuer()
 * const clientKey = await generateSigningKey('ES256')
 * const token = await issuer.mint({ cnf: { jkt: await jwkThumbprint(clientKey) } })
 * const proof = createDpopProof({ key: clientKey, htm: 'GET', htu: 'http://127.0.0.1:3000/orders', accessToken: token })
 * // request headers: { Authorization: `DPoP ${token}`, DPoP: proof }
 * ```
 */
export function createDpopProof(options: DpopProofOptions): string {
  const { key } = options
  const header = mergeMembers({ typ: 'dpop+jwt', alg: key.alg, jwk: bareJwk(key.publicJwk) }, options.header)
  const claims: Record<string, unknown> = {
    jti: randomUUID(),
    htm: options.htm,
    htu: options.htu,
    iat: Math.floor((options.clock ?? Date.now)() / 1000),
  }
  if (options.accessToken !== undefined) {
    claims.ath = createHash('sha256').update(options.accessToken, 'ascii').digest('base64url')
  }
  if (options.nonce !== undefined) claims.nonce = options.nonce
  return compactJws(header, mergeMembers(claims, options.claims), key.alg, key.privateKey)
}

/**
 * The RFC 7638 SHA-256 thumbprint of a key, as used in `cnf.jkt` of DPoP-bound tokens.
 *
 * @param key - an {@link IssuerKey} or a public JWK.
 * @returns the base64url thumbprint.
 * @example
 * ```ts
 * import { generateSigningKey, jwkThumbprint } from '@portcullis/testing'
 * const jkt = await jwkThumbprint(await generateSigningKey('ES256'))
 * ```
 */
export function jwkThumbprint(key: IssuerKey | JWK): Promise<string> {
  const jwk = 'publicJwk' in key ? key.publicJwk : key
  return calculateJwkThumbprint(jwk, 'sha256')
}

/** Only the key material: RFC 9449 puts the bare public key in the proof header. */
function bareJwk(jwk: JWK): JWK {
  const out: JWK = {}
  for (const name of ['kty', 'crv', 'n', 'e', 'x', 'y'] as const) {
    if (jwk[name] !== undefined) out[name] = jwk[name]
  }
  return out
}
