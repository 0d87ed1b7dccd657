import { createScopeRequirement, type RequireScopeOptions } from '@portcullis/core'
import type { Context, Middleware, Next } from 'koa'
import { getContext } from './context.js'
import { toRequest } from './to-request.js'

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
  const requirement = createScopeRequirement(scopes, options)
  return async function portcullisRequireScope(ctx: Context, next: Next): Promise<void> {
    const error = requirement.check(ctx.state.auth, toRequest(ctx), getContext(ctx))
    if (error !== undefined) throw error
    await next()
  }
}
