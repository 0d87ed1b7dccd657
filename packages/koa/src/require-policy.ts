import { createPolicyRequirement, type PolicyEngine, type PolicyRouteOptions } from '@portcullis/policy'
import type { Context, Middleware, Next } from 'koa'
import { getContext } from './context.js'
import { toRequest } from './to-request.js'

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
  const requirement = createPolicyRequirement<C>(engine, options)
  return async function portcullisRequirePolicy(ctx: Context, next: Next): Promise<void> {
    const { responseHeaders } = await requirement.enforce({ request: toRequest(ctx), identity: ctx.state.auth, context: getContext(ctx), input: ctx as C })
    for (const [name, value] of Object.entries(responseHeaders)) ctx.set(name, value)
    await next()
  }
}
