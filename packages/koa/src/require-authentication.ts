import { createAuthenticationRequirement, type RequireAuthenticationOptions } from '@portcullis/core'
import type { Context, Middleware, Next } from 'koa'
import { getContext } from './context.js'
import { toRequest } from './to-request.js'

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
  const requirement = createAuthenticationRequirement(options)
  return async function portcullisRequireAuthentication(ctx: Context, next: Next): Promise<void> {
    const error = requirement.check(ctx.state.auth, toRequest(ctx), getContext(ctx))
    if (error !== undefined) throw error
    await next()
  }
}
