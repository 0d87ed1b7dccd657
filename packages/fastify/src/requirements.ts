import { createAuthenticationRequirement, createRateLimitRequirement, createScopeRequirement, type RateLimitOptions, type RequireAuthenticationOptions, type RequireScopeOptions } from '@portcullis/core'
import { createPolicyRequirement, type PolicyEngine, type PolicyRouteOptions } from '@portcullis/policy'
import type { FastifyRequest } from 'fastify'
import type { FastifyHook } from './hook.js'
import { toMiddleware } from './to-middleware.js'

/**
 * Fastify `preHandler` hook that requires scopes of `request.auth` (set by `requireToken()`):
 * all of them by default, any of them with `{ match: 'any' }`. Fails with 403
 * `insufficient_scope` with the required scopes in the challenge, or 401 when there is no
 * identity.
 *
 * @example
 * ```ts
 * app.get('/orders', { preHandler: requireScope('orders:read') }, listOrders)
 * app.get('/reports', { preHandler: requireScope(['reports:read', 'admin'], { match: 'any' }) }, report)
 * ```
 */
export function requireScope(scopes: string | readonly string[], options?: RequireScopeOptions): FastifyHook {
  return toMiddleware(createScopeRequirement(scopes, options), 'portcullisRequireScope')
}

/**
 * Fastify `preHandler` hook for step-up authentication (RFC 9470) on one route: the user behind
 * `request.auth` must have authenticated with one of the `acr` values and/or within `maxAge`
 * seconds. Otherwise fails with 401 `insufficient_user_authentication` with `acr_values` /
 * `max_age` in the challenge, so the client can re-authenticate the user and retry.
 *
 * @example
 * ```ts
 * app.post('/payments', { preHandler: requireAuthentication({ acr: ['urn:example:mfa'], maxAge: 300 }) }, pay)
 * ```
 */
export function requireAuthentication(options: RequireAuthenticationOptions): FastifyHook {
  return toMiddleware(createAuthenticationRequirement(options), 'portcullisRequireAuthentication')
}

/**
 * Fastify `preHandler` hook that enforces an ABAC policy (the PEP): only a Permit whose
 * obligations are all discharged lets the route run, after setting the headers a
 * response-headers obligation asks for. Otherwise it fails with the `PortcullisError`: 403
 * `access_denied` (the body rendered by `errorHandler()` is `{ error, decision_id }`), 401
 * `insufficient_user_authentication` with `acr_values`/`max_age` (step-up), or 503 when an
 * infrastructure attribute provider failed. The subject is `request.auth` (set by
 * `requireToken()`); without it the subject is anonymous. Options are validated when the hook
 * is created. The loader's input type follows its parameter's annotation (e.g.
 * `FastifyRequest<{ Params: { id: string } }>`).
 *
 * @example
 * ```ts
 * import { requirePolicy } from '@portcullis/fastify'
 * const read = requirePolicy(documents, { action: 'read', resource: (request: FastifyRequest<{ Params: { id: string } }>) => docs.get(request.params.id) })
 * app.get('/docs/:id', { preHandler: read }, show)
 * ```
 */
export function requirePolicy<R extends FastifyRequest = FastifyRequest>(engine: PolicyEngine, options: PolicyRouteOptions<R>): FastifyHook {
  return toMiddleware(createPolicyRequirement<R>(engine, options), 'portcullisRequirePolicy')
}

/**
 * Fastify `preHandler` hook that limits requests per identity (`request.auth`: its subject by
 * default, or client id, a claim, a function), and per client address without one (behind
 * `trustedProxies` only). Allowed requests carry `RateLimit` and `RateLimit-Policy`
 * (draft-ietf-httpapi-ratelimit-headers-10); over the limit it fails with a 429 `rate_limited`
 * with `Retry-After` and the same headers. Tiers choose limits by scope or claim. Options are
 * validated when the hook is created.
 *
 * @example
 * ```ts
 * app.get('/orders', { preHandler: [requireToken(options), rateLimit({ key: 'subject', points: 100, duration: 60 })] }, listOrders)
 * ```
 */
export function rateLimit(options: RateLimitOptions): FastifyHook {
  return toMiddleware(createRateLimitRequirement(options), 'portcullisRateLimit')
}
