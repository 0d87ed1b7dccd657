import type { KeyObject } from 'node:crypto'
import type { IntrospectionAnswerStore } from './introspection-answer-store.js'

/** How the resource server authenticates to the introspection endpoint (RFC 7662 §2.1). */
export type IntrospectionClientAuth = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt'

/** Which tokens are introspected. */
export type IntrospectionMode = 'opaque' | 'all'

/** Caching of introspection responses (RFC 7662 §4). */
export interface IntrospectionCacheOptions {
  /**
   * Active answers kept at most (least recently used evicted first). Default 10000; 0 disables
   * caching. Inactive answers are kept apart, at most a tenth of this, so a flood of made-up
   * tokens cannot evict real ones.
   */
  maxEntries?: number
  /**
   * Most bytes the cached active answers may hold, estimated from their JSON (64 KiB to 4 GiB).
   * Default 8388608 (8 MiB); an answer larger than the bound is not cached.
   */
  maxBytes?: number
  /** How long an active response is reused, in seconds; never beyond its `exp`. Default 60. */
  ttl?: number
  /** How long an inactive (`active: false`) response is reused, in seconds. Default 5. */
  negativeTtl?: number
  /**
   * A second-level cache shared by the processes of the API (e.g. `createRedisIntrospectionStore`
   * of `@portcullis/redis`): asked when this process's cache misses, before the authorization
   * server; answers of the authorization server are written to it, with the same `ttl`,
   * `negativeTtl` and `exp` bounds. What it returns is checked again like a response of the
   * authorization server. An optimisation only: when it fails or is late, the authorization
   * server is asked.
   */
  store?: IntrospectionAnswerStore
  /**
   * Longest wait for one operation of `store`, in milliseconds (1 to 2^31-1); a late answer
   * counts as a miss. Default 250.
   */
  storeTimeout?: number
}

/**
 * How this service authenticates to the authorization server, for introspection (RFC 7662
 * §2.1) and token exchange (RFC 8693 §2.1): a client secret, or an RFC 7523 assertion.
 */
export interface ClientAuthenticationOptions {
  /** The resource server's client id at the authorization server. */
  clientId: string
  /** Its secret, for `client_secret_basic` and `client_secret_post`. */
  clientSecret?: string
  /** Default `'client_secret_basic'`; `'private_key_jwt'` (RFC 7523) needs `privateKey`. */
  clientAuth?: IntrospectionClientAuth
  /** Private key for `private_key_jwt`: a KeyObject or a PEM string (RSA, EC P-256/384/521, Ed25519). */
  privateKey?: KeyObject | string
  /** `kid` header of the client assertion. */
  privateKeyId?: string
}

/**
 * RFC 7662 token introspection, for opaque access tokens (or for all tokens with `mode: 'all'`).
 *
 * @example
 * ```ts
 * requireToken({
 *   issuer: 'https://id.example.com/',
 *   audience: 'https://api.example.com',
 *   introspection: { clientId: 'orders-api', clientSecret: process.env.INTROSPECTION_SECRET },
 * })
 * ```
 */
export interface IntrospectionOptions extends ClientAuthenticationOptions {
  /** The endpoint URL. Default: `introspection_endpoint` of the issuer's metadata. */
  endpoint?: string
  /**
   * The issuer whose tokens are introspected: the `iss` of a response that has none, and the
   * issuer whose metadata gives the endpoint. Default: the only configured issuer (required
   * when several are configured). A response's own `iss` must be a configured issuer.
   */
  issuer?: string
  /** `token_type_hint` sent with every request; `false` sends none. Default `'access_token'`. */
  tokenTypeHint?: string | false
  /** `'opaque'` (default): only tokens that are not JWTs; `'all'`: every token, JWTs included. */
  mode?: IntrospectionMode
  /** Timeout of one introspection call, in milliseconds (1 to 2^31-1). Default 5000. */
  timeout?: number
  /** Largest response accepted, in bytes (1 KiB to 1 MiB). Default 65536. */
  maxBytes?: number
  /** Response caching; `false` disables it. */
  cache?: IntrospectionCacheOptions | false
  /**
   * Limit on introspection calls for tokens the cache does not know, per caller address
   * (behind `trustedProxies`): over it the request is answered 429 `rate_limited` with
   * `Retry-After`, without calling the authorization server. Calls for active tokens are not
   * counted. Default `{ points: 100, duration: 60 }`; `false` turns it off.
   */
  guard?: IntrospectionGuardOptions | false
}

/** The introspection guard: `points` unknown tokens per caller per `duration` seconds. */
export interface IntrospectionGuardOptions {
  /** Calls allowed per window (1 to 10^6). Default 100. */
  points?: number
  /** Window length in seconds (1 to 3600). Default 60. */
  duration?: number
}
