import type { KeyObject } from 'node:crypto'
import { createAuditor, type Auditor } from './audit/auditor.js'
import { extractToken, type BearerMethod } from './credentials/extract-token.js'
import { createRejections, type Rejections } from './credentials/rejections.js'
import { isPortcullisError, type PortcullisError } from './errors.js'
import { buildIdentity, identityFromParts, identityParts } from './identity/build-identity.js'
import type { Claims } from './identity/claims.js'
import type { Identity } from './identity/identity.js'
import { compileOptions } from './internal/compile-options.js'
import { checkStatus } from './identity/check-status.js'
import { checkBinding } from './binding/check-binding.js'
import { DependencyUnavailable, TokenInvalid } from './internal/failures.js'
import { findFault } from './internal/dependency-fault.js'
import { checkReadiness, healthReport, type HealthReport, type ReadinessReport, type ReadyOptions } from './readiness/readiness.js'
import type { RequireTokenOptions } from './options.js'
import type { PortcullisRequest } from './request.js'
import { NO_CACHE, VerifiedTokenCache, type TokenCacheControl } from './token/verified-token-cache.js'
import { verifyJwt, type VerifiedJwt } from './token/verify-jwt.js'
import { jwkThumbprintOf } from './jwks/jwk-thumbprint.js'
import type { Observability } from './observability/compile-observability.js'
import { ATTR, SPAN, SPAN_KIND_INTERNAL, failSpan, type SpanLike } from './observability/tracing.js'
import { compileTrustedProxies } from './binding/trusted-proxies.js'
import { clientAddress } from './network/client-address.js'
import { addressKey } from './rate-limit/address-key.js'
import { anomalyKeyOf, reportAnomalies } from './anomaly/anomaly-events.js'
import type { AnomalyReport } from './anomaly/anomaly-signal.js'

/** A successful authentication. */
export interface AuthResult {
  readonly identity: Identity
  /** Where the token was found. */
  readonly method: BearerMethod
  /** Headers the adapter must add to the response (e.g. `Cache-Control: private`, RFC 6750 §2.3). */
  readonly responseHeaders: Readonly<Record<string, string>>
  /**
   * The context later steps of this request use: for a DPoP request its rejections challenge
   * with the DPoP scheme (a 403 `insufficient_scope` included, RFC 9449 §7.1, §7.2).
   */
  readonly context: AuthContext
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({})
// RFC 6750 §2.3: a response to a request with a query token must not be cached publicly.
const QUERY_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'Cache-Control': 'private' })

/**
 * What later steps of the same request (scope checks, policies) share with the authenticator:
 * the same challenge realm and the same audit sink. Adapters keep it on the request.
 */
export interface AuthContext {
  readonly rejections: Rejections
  readonly auditor: Auditor
  /** The metrics and tracer of `requireToken()`, for the decisions of later requirements. */
  readonly observability?: Observability
}

// Dependency failures that are a store's (the others are the JWKS or introspection endpoint).
const STORE_OF_REASON: Readonly<Record<string, 'revocation' | 'replay'>> = { revocation: 'revocation', replay_store: 'replay' }
const VERIFY_OPTIONS = { kind: SPAN_KIND_INTERNAL }

/** The framework-neutral `requireToken`: adapters call `authenticate` once per request. */
export interface Authenticator {
  readonly context: AuthContext
  /** Invalidation of the verified-token cache (revocation hooks, operators). */
  readonly cache: TokenCacheControl
  /**
   * Invalidation of the introspection answer cache (`introspection.cache`), for operators and
   * for invalidation messages from other processes; `undefined` when introspection is not
   * configured. `delete`, `deleteHash`, `deleteWhere` and `clear` also remove what they remove
   * from `introspection.cache.store`, in the background (a failure there is only counted).
   */
  readonly introspectionCache: TokenCacheControl | undefined
  /**
   * Authenticates `request`. Resolves with the identity, or `undefined` when the request has
   * no token and the authenticator is optional. Rejects with a `PortcullisError` otherwise;
   * never with anything else.
   */
  authenticate(request: PortcullisRequest): Promise<AuthResult | undefined>
  /**
   * Fetches discovery metadata and keys of every configured issuer now (and discovers the
   * introspection endpoint when it is not configured), so that a wrong issuer URL or an
   * unreachable JWKS is found at startup instead of as 503s. Resolves with the key counts;
   * rejects with a `ReadinessError` naming each failing URL and what happened. Await it
   * before `listen()`; use {@link health} for probes.
   */
  ready(options?: ReadyOptions): Promise<ReadinessReport>
  /** The key state of every issuer for `/health` routes; makes no network call. */
  health(): HealthReport
  /**
   * Registers `listener` to hear the RFC 7638 thumbprints (SHA-256, base64url) of keys that
   * left an issuer's key set at a JWKS refresh of this authenticator (its cache has already
   * dropped what they verified). Made for telling other processes, which then call
   * {@link distrustKeys}. Keys removed by `distrustKeys` are not reported. Returns a function
   * that unregisters the listener. A throwing listener is ignored.
   */
  onKeysRemoved(listener: (thumbprints: readonly string[]) => void): () => void
  /**
   * Stops trusting the keys with these RFC 7638 thumbprints now, before the next JWKS refresh
   * would notice them gone: they leave the key sets, and the verified-token cache drops every
   * token they verified. A later token naming one of them refetches the issuer's key set (a
   * key still published comes back). Configured keys (`keys`, `secret`) are never removed.
   * Returns how many keys were removed (0 when none was held).
   */
  distrustKeys(thumbprints: Iterable<string>): number
}

/**
 * Creates an authenticator. Options are validated here, once; a mistake throws an
 * `invalid_configuration` error naming the option.
 *
 * @example
 * ```ts
 * import { createAuthenticator } from '@portcullis/core'
 * const auth = createAuthenticator({ issuer: 'https://id.example.com/', audience: 'https://api.example.com' })
 * const result = await auth.authenticate({ method: 'GET', url: '/orders', headers: req.headers })
 * ```
 */
export function createAuthenticator(options: RequireTokenOptions): Authenticator {
  const compiled = compileOptions(options)
  const rejections = createRejections(compiled.realm, { ...compiled.binding.schemes, resourceMetadata: compiled.resourceMetadata })
  const auditor = createAuditor(compiled.audit, compiled.clock)
  const { observability } = compiled
  const { metrics, tracer } = observability
  const context: AuthContext = { rejections, auditor, observability }
  const dpopContext: AuthContext = rejections.dpop === undefined ? context : { rejections: rejections.dpop, auditor, observability }
  const { anomalies } = compiled
  const statusChecked = compiled.status.revocation !== undefined || compiled.status.delegation !== undefined || compiled.status.stepUp !== undefined
  // Validated by compileOptions; the introspection guard and anomaly signals use the client address behind them.
  const trustProxy = compileTrustedProxies(options.trustedProxies)
  const cache = compiled.cache === undefined ? undefined : new VerifiedTokenCache(compiled.cache.maxEntries, compiled.cache.maxTtlMs, compiled.cache.maxBytes, compiled.clock, compiled.cache.admission)
  // Key removals run at JWKS refreshes, never per request; thumbprints are computed only when
  // someone listens.
  const removalListeners = new Set<(thumbprints: readonly string[]) => void>()
  for (const source of compiled.verifier.issuers.values()) {
    source.onKeysRemoved?.((keys) => {
      cache?.deleteByKeys(keys)
      if (removalListeners.size > 0) notifyRemoval(removalListeners, keys)
    })
  }

  function reject(request: PortcullisRequest, started: number, span: SpanLike | undefined, error: PortcullisError, token?: string): PortcullisError {
    const unavailable = error.code === 'temporarily_unavailable'
    if (metrics !== undefined) {
      metrics.recordVerification(unavailable ? 'error' : 'rejected', error.reason)
      const store = unavailable ? STORE_OF_REASON[error.reason] : undefined
      if (store !== undefined) metrics.recordStoreError(store)
    }
    if (span !== undefined) {
      span.setAttribute(ATTR.httpStatus, error.status)
      span.setAttribute(ATTR.authnReason, error.reason)
      // A 401/400 is the verification's answer, not a fault of it: the span status stays unset.
      if (unavailable) {
        span.setAttribute(ATTR.authnOutcome, 'error')
        failSpan(span, error.reason, error.message)
      } else {
        span.setAttribute(ATTR.authnOutcome, 'rejected')
      }
      span.end()
    }
    if (auditor.enabled) {
      // A revoked token or a replayed DPoP proof presented again is a reuse (OWASP authn_token_reuse).
      const reuse = error.reason === 'revoked' || error.reason === 'dpop_replay'
      const name = error.code === 'invalid_request' ? 'input_validation_fail' : error.code === 'rate_limited' ? 'excess_rate_limit_exceeded' : reuse ? 'authn_token_reuse' : 'authn_login_fail'
      auditor.emit(name, 'WARN', request, {
        outcome: error.code === 'temporarily_unavailable' ? 'unknown' : 'failure',
        reason: error.reason,
        description: error.message,
        token,
        latencyMs: performance.now() - started,
        dependency: error.code === 'temporarily_unavailable' ? dependencyOf(error) : undefined,
      })
    }
    return error
  }

  async function verify(request: PortcullisRequest, span: SpanLike | undefined): Promise<AuthResult | undefined> {
    // Timed only for the audit trail (the span has its own clock).
    const started = auditor.enabled ? performance.now() : 0
    let extracted
    try {
      extracted = extractToken(request, compiled.extraction, rejections)
    } catch (error) {
      throw reject(request, started, span, error as PortcullisError)
    }
    if (extracted === undefined) {
      if (compiled.optional) {
        span?.setAttribute(ATTR.authnOutcome, 'anonymous')
        span?.end()
        return undefined
      }
      throw reject(request, started, span, rejections.credentialsRequired())
    }
    const { token, method } = extracted
    // Errors of a DPoP request are challenged with the DPoP scheme (RFC 9449 §7.1, §7.2).
    const schemeRejections = extracted.scheme === 'dpop' ? (rejections.dpop ?? rejections) : rejections
    let identity: Identity
    let bindingHeaders: Readonly<Record<string, string>>
    let opaque = false
    let tokenHash: string | undefined
    try {
      opaque = compiled.introspection?.accepts(token) === true
      let verified
      if (opaque) {
        verified = await compiled.introspection!.introspect(token, addressKey(clientAddress(request, trustProxy)))
      } else {
        // A cache hit skips only parsing and the signature; claims are checked against the clock
        // again, and the binding and status steps below run on hits and misses alike.
        const pending = cache === undefined ? verifyJwt(token, compiled.verifier) : cache.verify(token, compiled.verifier)
        if (cache !== undefined) {
          // A hit answers synchronously; a miss is a promise.
          metrics?.recordTokenCache(!(pending instanceof Promise))
          span?.setAttribute(ATTR.cacheHit, !(pending instanceof Promise))
        }
        // A hit is synchronous: no await, so no extra trip through the microtask queue.
        verified = pending instanceof Promise ? await pending : pending
        tokenHash = verified.tokenHash
      }
      if (opaque) {
        identity = buildIdentity(verified.payload as Claims, verified.issuer, 'opaque', compiled.binding.support)
      } else {
        // Claims are validated once per verification; a cache hit only builds the request's object.
        const jwt = verified as VerifiedJwt
        jwt.identityParts ??= identityParts(jwt.payload as Claims, compiled.binding.support)
        identity = identityFromParts(jwt.identityParts, jwt.payload as Claims, jwt.issuer, 'jwt')
      }
      // Most requests are plain bearer tokens with no binding and no status check configured:
      // they skip both steps and the microtask hops their awaits would cost.
      bindingHeaders = extracted.scheme === 'dpop' || identity.confirmation !== undefined || compiled.binding.mtls?.required === true
        ? await checkBinding(request, extracted, identity, compiled.binding, rejections)
        : NO_HEADERS
      if (statusChecked) await checkStatus(identity, token, compiled.status, schemeRejections, tokenHash)
    } catch (error) {
      throw reject(request, started, span, toPortcullisError(error, schemeRejections), token)
    }
    metrics?.recordVerification('accepted', 'none')
    let report: AnomalyReport | undefined
    let address: string | undefined
    if (anomalies !== undefined) {
      // After every check, on cache hits too: only accepted requests build a token's history.
      address = clientAddress(request, trustProxy)
      report = anomalies.observe(anomalyKeyOf(anomalies.key, identity, token, tokenHash), address, compiled.clock())
      // The identity is this request's own object (built above): it carries the report to policies.
      ;(identity as { anomalies?: AnomalyReport }).anomalies = report
    }
    if (span !== undefined) {
      span.setAttribute(ATTR.authnOutcome, 'accepted')
      span.setAttribute(ATTR.tokenFormat, opaque ? 'opaque' : 'jwt')
      span.setAttribute(ATTR.tokenType, extracted.scheme)
      if (identity.clientId !== undefined) span.setAttribute(ATTR.clientId, identity.clientId)
      span.end()
    }
    if (auditor.enabled) {
      auditor.emit('authn_login_success', 'INFO', request, {
        outcome: 'success',
        reason: 'accepted',
        description: 'The access token was accepted',
        identity,
        token,
        latencyMs: performance.now() - started,
      })
    }
    // After the login event: the signals are about a request that was authenticated.
    if (report !== undefined && report.signals.length > 0) reportAnomalies(report, request, { auditor, metrics, identity, token, address })
    const requestContext = extracted.scheme === 'dpop' ? dpopContext : context
    const responseHeaders = method === 'query' ? QUERY_HEADERS : NO_HEADERS
    // A fresh DPoP-Nonce comes with Cache-Control: no-store, which also covers RFC 6750 §2.3.
    return { identity, method, context: requestContext, responseHeaders: Object.keys(bindingHeaders).length === 0 ? responseHeaders : { ...responseHeaders, ...bindingHeaders } }
  }

  // The verification span is not made active: that context switch would cost more than the rest
  // of a cache hit. Every exit of verify() ends it (reject() for every failure).
  const authenticate = tracer === undefined
    ? (request: PortcullisRequest) => verify(request, undefined)
    : (request: PortcullisRequest) => verify(request, tracer.startSpan(SPAN.verify, VERIFY_OPTIONS))

  const introspection = compiled.introspection === undefined
    ? undefined
    : { issuer: options.introspection?.issuer ?? [options.issuer].flat()[0] as string, introspector: compiled.introspection }
  return {
    context,
    cache: cache ?? NO_CACHE,
    introspectionCache: compiled.introspection?.cache,
    authenticate,
    ready: (readyOptions) => checkReadiness(compiled.verifier.issuers, introspection, readyOptions),
    health: () => healthReport(compiled.verifier.issuers),
    onKeysRemoved(listener) {
      if (typeof listener !== 'function') throw new TypeError('onKeysRemoved needs a function')
      removalListeners.add(listener)
      return () => {
        removalListeners.delete(listener)
      }
    },
    distrustKeys(thumbprints) {
      const wanted = new Set<string>()
      for (const thumbprint of thumbprints) if (typeof thumbprint === 'string' && thumbprint !== '') wanted.add(thumbprint)
      if (wanted.size === 0) return 0
      const removed = new Set<KeyObject>()
      for (const source of compiled.verifier.issuers.values()) for (const key of source.distrust?.(wanted) ?? []) removed.add(key)
      if (removed.size > 0) cache?.deleteByKeys(removed)
      return removed.size
    },
  }
}

function notifyRemoval(listeners: ReadonlySet<(thumbprints: readonly string[]) => void>, keys: ReadonlySet<KeyObject>): void {
  const thumbprints = Object.freeze([...keys].map(jwkThumbprintOf))
  for (const listener of listeners) {
    try {
      listener(thumbprints)
    } catch {
      // A listener's failure must not break key refreshing.
    }
  }
}

/** The failing dependency behind a 503 (kind and URL, never a secret), for the audit event. */
function dependencyOf(error: PortcullisError): { kind: string; url: string } | undefined {
  const fault = findFault(error.cause)
  return fault === undefined ? undefined : { kind: fault.kind, url: fault.url }
}

/** Maps any failure of verification to its HTTP error (docs/architecture.md); never lets a raw error out. */
function toPortcullisError(error: unknown, rejections: Rejections): PortcullisError {
  if (error instanceof TokenInvalid) return rejections.invalidToken(error.message, error.reason, error.cause)
  if (error instanceof DependencyUnavailable) {
    return rejections.unavailable(error.message, error.reason, error.retryAfterSeconds, error.cause)
  }
  if (isPortcullisError(error)) return error
  // An unexpected fault (a bug, a broken custom fetch): fail closed, as a dependency failure,
  // without telling the client anything about it.
  return rejections.unavailable('The access token could not be checked', 'internal', 1, error)
}
