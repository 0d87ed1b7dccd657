import { createHash, randomUUID } from 'node:crypto'
import type { JsonWebKey as JWK } from 'node:crypto'
import { sha256Thumbprint } from './internal/jwk-thumbprint.js'
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
  /** `iat` in seconds, overriding the clock (a proof from the past or the future). */
  iat?: number
  /** `jti`. Default: a random UUID (a reused value makes a replayed proof). */
  jti?: string
  /** `ath` verbatim, overriding the hash of `accessToken` (a proof for another token). */
  ath?: string
  /** Header `typ`. Default `dpop+jwt`. */
  typ?: string
  /**
   * Header `alg`. Default the key's algorithm. The signature is still made with the key's own
   * algorithm, so another value makes a header that lies.
   */
  alg?: string
  /** Header `jwk` verbatim (another key, a symmetric key...). Default: the key's bare public JWK. */
  jwk?: Record<string, unknown>
  /** Puts the private key members (`d`...) into the `jwk` header, which verifiers must refuse. */
  leakPrivateKey?: boolean
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
  const jwk = options.jwk ?? (options.leakPrivateKey === true ? privateJwk(key) : bareJwk(key.publicJwk))
  const header = mergeMembers({ typ: options.typ ?? 'dpop+jwt', alg: options.alg ?? key.alg, jwk }, options.header)
  const claims: Record<string, unknown> = {
    jti: options.jti ?? randomUUID(),
    htm: options.htm,
    htu: options.htu,
    iat: options.iat ?? Math.floor((options.clock ?? Date.now)() / 1000),
  }
  if (options.accessToken !== undefined) {
    claims.ath = createHash('sha256').update(options.accessToken, 'ascii').digest('base64url')
  }
  if (options.ath !== undefined) claims.ath = options.ath
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
  return Promise.resolve(sha256Thumbprint(jwk as Readonly<Record<string, unknown>>))
}

/** The full private JWK (what a broken client might leak into a proof). */
function privateJwk(key: IssuerKey): Record<string, unknown> {
  return key.privateKey.export({ format: 'jwk' }) as Record<string, unknown>
}

/** Only the key material: RFC 9449 puts the bare public key in the proof header. */
function bareJwk(jwk: JWK): JWK {
  const out: JWK = {}
  for (const name of ['kty', 'crv', 'n', 'e', 'x', 'y'] as const) {
    if (jwk[name] !== undefined) out[name] = jwk[name]
  }
  return out
}
