import type { KeyObject } from 'node:crypto'
import type { AnomalyDetector } from './anomaly/anomaly-detector.js'
import type { AuditOption } from './audit/audit-options.js'
import type { PortcullisMetrics } from './observability/metrics.js'
import type { TracerLike } from './observability/tracing.js'
import type { DpopOptions, MtlsOptions } from './binding/binding-options.js'
import type { BearerMethod } from './credentials/extract-token.js'
import type { FetchLike } from './internal/fetch-json.js'
import type { IntrospectionOptions } from './introspection/introspection-options.js'
import type { JwksFetchEvent } from './jwks/remote-key-set.js'
import type { StaticKeys } from './jwks/static-key-source.js'
import type { RevocationOptions } from './revocation/revocation-store.js'
import type { DelegationOptions } from './identity/delegation.js'
import type { Algorithm } from './token/algorithms.js'
import type { TokenProfile } from './token/validate-claims.js'

/** Tuning of remote key sets (times in milliseconds). Every member has a safe default. */
export interface JwksOptions {
  /** Timeout of one JWKS or metadata fetch, headers and body (1 to 2^31-1). Default 5000. */
  timeout?: number
  /** Age after which keys are refreshed in the background. Default 600000 (10 minutes). */
  cacheMaxAge?: number
  /**
   * Minimum time between refetches caused by an unknown `kid`. Default 30000. A token issued
   * after the keys were last fetched (its `iat`) may cause one sooner, at most once a second.
   */
  cooldown?: number
  /**
   * Longest a request with an unknown `kid` waits for a JWKS fetch in flight, in milliseconds,
   * before it is answered 503 with `Retry-After` (known keys never wait). Default 500.
   */
  unknownKidWait?: number
  /**
   * How long after `cacheMaxAge` the last good keys keep serving while the endpoint fails
   * (stale-if-error). Default 86400000 (1 day).
   */
  maxStale?: number
  /**
   * Usable keys kept from one JWK Set. Default 32. To bound the work a hostile set can cause,
   * only the first `maxKeys * 8` entries of a set are examined.
   */
  maxKeys?: number
  /** Largest JWKS or metadata document accepted, in bytes (1 KiB to 16 MiB). Default 524288. */
  maxBytes?: number
  /**
   * Called after every JWKS fetch attempt (outcome, trigger, key count, error): feed metrics
   * such as `pep_jwks_fetches_total{outcome,trigger}` or alert on failures.
   */
  onFetch?: (event: JwksFetchEvent) => void
}

/**
 * The verified-token cache: a bounded LRU, keyed by the SHA-256 of the token (never the token),
 * that skips parsing and the signature check for a token seen before. Claims are checked
 * against the clock on every hit, and scopes (and any later binding or revocation check) run
 * on every request. An entry never outlives the token's `exp`, and goes when the key that
 * verified it leaves the issuer's JWKS.
 */
export interface TokenCacheOptions {
  /** Most tokens kept (1 to 1,000,000). Default 10000. */
  maxEntries?: number
  /**
   * Most bytes the cached tokens may hold, estimated from each token and its decoded header and
   * claims (64 KiB to 4 GiB). Default 33554432 (32 MiB): with large tokens the byte bound, not
   * the count, decides; a token larger than the bound is simply not cached.
   */
  maxBytes?: number
  /** Longest an entry is kept, in seconds, even when `exp` is later. Default: until `exp`. */
  maxTtl?: number
  /**
   * When a verified token enters the cache. `'second-use'` (default): at its second verification
   * within a while, so tokens used once (per-request tokens, a flood of distinct valid tokens)
   * never evict the ones in use and cost the garbage collector nothing; a token used again is
   * verified twice, then answered from the cache. `'first-use'`: at its first verification.
   */
  admission?: 'first-use' | 'second-use'
}

/**
 * Options of `requireToken()` (and of the core `createAuthenticator()`).
 *
 * @example
 * ```ts
 * requireToken({ issuer: 'https://id.example.com/', audience: 'https://api.example.com' })
 * ```
 */
export interface RequireTokenOptions {
  /** Trusted issuer(s): `iss` must equal one exactly. Keys are discovered from it unless given. */
  issuer: string | readonly string[]
  /** This API's identifier(s): `aud` must contain one of them. */
  audience: string | readonly string[]
  /**
   * JWK Set URL. Default: discovered from the issuer's RFC 8414 / OpenID metadata. With
   * several issuers, a record from issuer to URL (issuers missing from it are discovered).
   */
  jwksUri?: string | Readonly<Record<string, string>>
  /**
   * Static public keys instead of a JWKS URL: a JWK Set, or a list of JWKs / PEM strings /
   * KeyObjects. With several issuers, a record from issuer to its keys.
   */
  keys?: StaticKeys | Readonly<Record<string, StaticKeys>>
  /** HMAC secret (HS256/384/512) of the one issuer. Never together with `jwksUri` or `keys`. */
  secret?: string | Uint8Array | KeyObject
  /** Allowed `alg` values. Default: RS256-512, PS256-512, ES256-512, EdDSA; with `secret`: HS256. */
  algorithms?: readonly Algorithm[]
  /** Leeway for `exp`, `nbf` and `iat`, in seconds (at most 300). Default 5. */
  clockTolerance?: number
  /** Maximum age of a token from its `iat`, in seconds. Default: none. */
  maxTokenAge?: number
  /** Claims that must be present. */
  requiredClaims?: readonly string[]
  /** `'jwt'` (default) or `'rfc9068'` (typ `at+jwt` and the RFC 9068 §2.2 claims required). */
  profile?: TokenProfile
  /** When true a request without a token passes without identity; a bad token is still refused. */
  optional?: boolean
  /** The `realm` of challenges. Default `'api'`. */
  realm?: string
  /**
   * Audit events for every accepted and rejected request: a sink function (called
   * synchronously), a pipeline from `createAuditPipeline()`, or its options
   * (`{ sinks, bufferSize, sampleRate, mask, correlationHeader }`).
   */
  audit?: AuditOption
  /**
   * Prometheus metrics (`createMetrics({ client, registry })`): verifications, cache hits,
   * JWKS fetches, introspection calls, store errors, and the decisions of later requirements.
   */
  metrics?: PortcullisMetrics
  /**
   * An OpenTelemetry tracer (`trace.getTracer('portcullis')`): a span per verification and per
   * policy decision. A 401/403 is an outcome attribute, a 503 is a span error.
   */
  tracer?: TracerLike
  /** Current time in milliseconds (tests). Default `Date.now`. */
  clock?: () => number
  /** Where tokens are read from. Default `['header']`; `'body'` and `'query'` are opt-in (RFC 6750 §2). */
  bearerMethods?: readonly BearerMethod[]
  /** Longest token accepted, in characters (16 to 1 MiB); longer ones are refused unparsed. Default 8192. */
  maxTokenLength?: number
  /** The fetch used for JWKS and metadata. Default: the global fetch. */
  fetch?: FetchLike
  /** Remote key set tuning. */
  jwks?: JwksOptions
  /** RFC 7662 introspection of opaque tokens (or of every token with `mode: 'all'`). */
  introspection?: IntrospectionOptions
  /** A revocation denylist checked on every request (`createRevocationStore()` or your own). */
  revocation?: RevocationOptions
  /** Step-up (RFC 9470): acceptable `acr` values, most preferred first. */
  acr?: string | readonly string[]
  /** Step-up (RFC 9470): maximum seconds since the user authenticated (`auth_time`). */
  maxAge?: number
  /** Rules for delegated tokens (RFC 8693 `act`): refuse them, cap the chain, allow-list actors. */
  delegation?: DelegationOptions
  /**
   * URL of this resource's RFC 9728 metadata document, sent as `resource_metadata` in 401
   * challenges (RFC 9728 §5.1) so clients can find the authorization server.
   */
  resourceMetadata?: string
  /**
   * DPoP (RFC 9449): accept `Authorization: DPoP` with a proof, check tokens bound with
   * `cnf.jkt`, optionally require DPoP or server nonces.
   */
  dpop?: DpopOptions
  /** Certificate-bound tokens (RFC 8705 §3): check `cnf["x5t#S256"]` against the client certificate. */
  mtls?: MtlsOptions | boolean
  /**
   * IP addresses or CIDR ranges of reverse proxies in front of this app. Only requests from
   * them have their `X-Forwarded-Proto`/`X-Forwarded-Host` (DPoP `htu`), client-certificate
   * header (mTLS) and `X-Forwarded-For` (the client address of the introspection guard and of
   * anomaly signals) read; from anybody else these headers are ignored.
   */
  trustedProxies?: readonly string[]
  /** The verified-token cache (on by default), or `false` to verify every request in full. */
  cache?: TokenCacheOptions | false
  /**
   * Anomaly signals (`createAnomalyDetector()`): every accepted request (cache hits included)
   * is compared with its token's (or subject's) history, from its client address behind
   * `trustedProxies`. Signals never refuse a request: they are audited, counted, and set on
   * `identity.anomalies` for policies (`anomalous()` risk factor) and handlers.
   */
  anomalies?: AnomalyDetector
}
