import { createAuthenticationRequirement, createRateLimitRequirement, createScopeRequirement, type RateLimitOptions, type RequireAuthenticationOptions, type RequireScopeOptions } from '@portcullis/core'
import { createPolicyRequirement, type PolicyEngine, type PolicyRouteOptions } from '@portcullis/policy'
import type { Request, RequestHandler } from 'express'
import { toMiddleware } from './to-middleware.js'

/**
 * Express middleware that requires scopes of `req.auth` (set by `requireToken()`): all of them
 * by default, any of them with `{ match: 'any' }`. Answers 403 `insufficient_scope` with the
 * required scopes in the challenge, or 401 when there is no identity.
 *
 * @example
 * ```ts
 * app.get('/orders', requireScope('orders:read'), listOrders)
 * app.get('/reports', requireScope(['reports:read', 'admin'], { match: 'any' }), report)
 * ```
 */
export function requireScope(scopes: string | readonly string[], options?: RequireScopeOptions): RequestHandler {
  return toMiddleware(createScopeRequirement(scopes, options), 'portcullisRequireScope')
}

/**
 * Express middleware for step-up authentication (RFC 9470) on one route: the user behind
 * `req.auth` must have authenticated with one of the `acr` values and/or within `maxAge`
 * seconds. Otherwise answers 401 `insufficient_user_authentication` with `acr_values` /
 * `max_age` in the challenge, so the client can re-authenticate the user and retry.
 *
 * @example
 * ```ts
 * app.post('/payments', requireAuthentication({ acr: ['urn:example:mfa'], maxAge: 300 }), pay)
 * ```
 */
export function requireAuthentication(options: RequireAuthenticationOptions): RequestHandler {
  return toMiddleware(createAuthenticationRequirement(options), 'portcullisRequireAuthentication')
}

/**
 * Express middleware that enforces an ABAC policy (the PEP): only a Permit whose obligations
 * are all discharged calls `next()`, after setting the headers a response-headers obligation
 * asks for. Otherwise it forwards the `PortcullisError` to `next(err)`: 403 `access_denied`
 * (the body rendered by `errorHandler()` is `{ error, decision_id }`), 401
 * `insufficient_user_authentication` with `acr_values`/`max_age` (step-up), or 503 when an
 * infrastructure attribute provider failed. The subject is `req.auth` (set by `requireToken()`);
 * without it the subject is anonymous. Options are validated when the middleware is created.
 *
 * @example
 * ```ts
 * import { requirePolicy } from '@portcullis/express'
 * app.get('/docs/:id', requirePolicy(documents, { action: 'read', resource: (req) => docs.get(String(req.params.id)) }), show)
 * ```
 */
export function requirePolicy(engine: PolicyEngine, options: PolicyRouteOptions<Request>): RequestHandler {
  return toMiddleware(createPolicyRequirement<Request>(engine, options), 'portcullisRequirePolicy')
}

/**
 * Express middleware that limits requests per identity (`req.auth`: its subject by default,
 * or client id, a claim, a function), and per client address without one (behind
 * `trustedProxies` only). Allowed requests carry `RateLimit` and `RateLimit-Policy`
 * (draft-ietf-httpapi-ratelimit-headers-10); over the limit it forwards a 429 `rate_limited` to `next(err)` with
 * `Retry-After` and the same headers. Tiers choose limits by scope or claim. Options are
 * validated when the middleware is created.
 *
 * @example
 * ```ts
 * app.get('/orders', requireToken(options), rateLimit({ key: 'subject', points: 100, duration: 60 }), listOrders)
 * ```
 */
export function rateLimit(options: RateLimitOptions): RequestHandler {
  return toMiddleware(createRateLimitRequirement(options), 'portcullisRateLimit')
}
