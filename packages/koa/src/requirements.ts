import { createAuthenticationRequirement, createRateLimitRequirement, createScopeRequirement, type RateLimitOptions, type RequireAuthenticationOptions, type RequireScopeOptions } from '@portcullis/core'
import { createPolicyRequirement, type PolicyEngine, type PolicyRouteOptions } from '@portcullis/policy'
import type { Context, Middleware } from 'koa'
import { toMiddleware } from './to-middleware.js'

/**
 * Koa middleware that requires scopes of `ctx.state.auth` (set by `requireToken()`): all of
 * them by default, any of them with `{ match: 'any' }`. Throws 403 `insufficient_scope` with
 * the required scopes in the challenge, or 401 when there is no identity.
 *
 * @example
 * ```ts
 * router.get('/orders', requireScope('orders:read'), listOrders)
 * router.get('/reports', requireScope(['reports:read', 'admin'], { match: 'any' }), report)
 * ```
 */
export function requireScope(scopes: string | readonly string[], options?: RequireScopeOptions): Middleware {
  return toMiddleware(createScopeRequirement(scopes, options), 'portcullisRequireScope')
}

/**
 * Koa middleware for step-up authentication (RFC 9470) on one route: the user behind
 * `ctx.state.auth` must have authenticated with one of the `acr` values and/or within `maxAge`
 * seconds. Otherwise throws 401 `insufficient_user_authentication` with `acr_values` /
 * `max_age` in the challenge, so the client can re-authenticate the user and retry.
 *
 * @example
 * ```ts
 * router.post('/payments', requireAuthentication({ acr: ['urn:example:mfa'], maxAge: 300 }), pay)
 * ```
 */
export function requireAuthentication(options: RequireAuthenticationOptions): Middleware {
  return toMiddleware(createAuthenticationRequirement(options), 'portcullisRequireAuthentication')
}

/**
 * Koa middleware that enforces an ABAC policy (the PEP): only a Permit whose obligations are
 * all discharged calls `next()`, after setting the headers a response-headers obligation asks
 * for. Otherwise it throws the `PortcullisError`: 403 `access_denied` (the body rendered by
 * `errorHandler()` is `{ error, decision_id }`), 401 `insufficient_user_authentication` with
 * `acr_values`/`max_age` (step-up), or 503 when an infrastructure attribute provider failed.
 * The subject is `ctx.state.auth` (set by `requireToken()`); without it the subject is
 * anonymous. Options are validated when the middleware is created. The loader's input type
 * follows its parameter's annotation (e.g. `RouterContext` of `@koa/router` for `ctx.params`).
 *
 * @example
 * ```ts
 * import { requirePolicy } from '@portcullis/koa'
 * router.get('/docs/:id', requirePolicy(documents, { action: 'read', resource: (ctx: RouterContext) => docs.get(ctx.params.id) }), show)
 * ```
 */
export function requirePolicy<C extends Context = Context>(engine: PolicyEngine, options: PolicyRouteOptions<C>): Middleware {
  return toMiddleware(createPolicyRequirement<C>(engine, options), 'portcullisRequirePolicy')
}

/**
 * Koa middleware that limits requests per identity (`ctx.state.auth`: its subject by default,
 * or client id, a claim, a function), and per client address without one (behind
 * `trustedProxies` only). Allowed requests carry `RateLimit` and `RateLimit-Policy`
 * (draft-ietf-httpapi-ratelimit-headers-10); over the limit it throws 429 `rate_limited` with
 * `Retry-After` and the same headers. Tiers choose limits by scope or claim. Options are
 * validated when the middleware is created.
 *
 * @example
 * ```ts
 * router.get('/orders', rateLimit({ key: 'subject', points: 100, duration: 60 }), listOrders)
 * ```
 */
export function rateLimit(options: RateLimitOptions): Middleware {
  return toMiddleware(createRateLimitRequirement(options), 'portcullisRateLimit')
}
