import { LazyRequirementInput, type Enforcement, type Requirement } from '@portcullis/core'
import type { Context, Middleware, Next } from 'koa'
import { getContext } from './context.js'
import { toRequest } from './to-request.js'

function apply(ctx: Context, enforcement: Enforcement): void {
  const headers = enforcement.responseHeaders
  if (headers !== undefined) for (const name in headers) ctx.set(name, headers[name] as string)
}

/**
 * Turns any core `Requirement` (scopes, step-up, policy, ...) into Koa middleware named `name`:
 * it enforces the requirement on `ctx.state.auth` with the context of the request's
 * `requireToken()`, sets the headers the enforcement asks for, then calls `next()`; a refusal
 * is a promise rejected with the `PortcullisError`, to Koa's error path. A synchronous
 * requirement is answered synchronously: the promise path is taken only when `enforce`
 * returns a promise. Returns what `next` returns, so a decorator's wrapper can pass its method
 * as `next`.
 *
 * @example
 * ```ts
 * export const requireScope = (scopes, options) => toMiddleware(createScopeRequirement(scopes, options), 'portcullisRequireScope')
 * ```
 */
export function toMiddleware(requirement: Requirement<Context>, name: string): Middleware {
  const middleware = function (ctx: Context, next: Next): unknown {
    let result: Enforcement | PromiseLike<Enforcement>
    try {
      result = requirement.enforce(new LazyRequirementInput(ctx, ctx.state.auth, getContext(ctx), toRequest))
    } catch (error) {
      // A rejected promise, as an async middleware would give: callers may chain on the result.
      return Promise.reject(error)
    }
    if (typeof (result as Partial<PromiseLike<Enforcement>>).then !== 'function') {
      apply(ctx, result as Enforcement)
      return next()
    }
    return Promise.resolve(result).then((enforcement) => {
      apply(ctx, enforcement)
      return next()
    })
  }
  Object.defineProperty(middleware, 'name', { value: name })
  return middleware
}
