import {
  createAuthenticationRequirement,
  createRateLimitRequirement,
  createScopeRequirement,
  decorateRoute,
  type RateLimitOptions,
  type RequireAuthenticationOptions,
  type RequireScopeOptions,
  type Requirement,
} from '@portcullis/core'
import {
  createPolicyRequirement,
  type PolicyEngine,
  type PolicyRouteOptions,
} from '@portcullis/policy'
import type { Context, Next } from 'koa'
import { toMiddleware } from './to-middleware.js'

/**
 * A controller method usable as Koa route middleware (`ctx` may be a `Context` subtype such as `RouterContext`).
 * Declared through a method signature so that its parameter is checked bivariantly: a handler
 * typed with a narrower context (`RouterContext` of @koa/router) is accepted, an Express-style one is not.
 */
export type KoaRouteMethod<This> = { handle(this: This, ctx: Context, next: Next): unknown }['handle']

/** A standard (TC39) method decorator for Koa route middleware. */
export type KoaRouteDecorator = <This, M extends KoaRouteMethod<This>>(method: M, context: ClassMethodDecoratorContext<This, M>) => M

// `requirement` enforces every requirement recorded for the method (read from the metadata at
// call time, so decorators applied after this one count) through the same middleware as
// requireScope(); its "next" calls the method. Like an async function, the wrapper answers a
// promise, rejected by any error (of a requirement, or of the method, thrown or rejected), to
// Koa's error path.
function wrap<M extends KoaRouteMethod<never>>(method: M, requirement: Requirement, name: string): M {
  const guard = toMiddleware(requirement, name)
  const wrapped = function (this: unknown, ctx: Context, next: Next): unknown {
    return guard(ctx, () => {
      try {
        return Promise.resolve(method.call(this as never, ctx, next))
      } catch (error) {
        return Promise.reject(error)
      }
    })
  }
  Object.defineProperty(wrapped, 'name', { value: name })
  return wrapped as unknown as M
}

/**
 * Method decorator: the route requires these scopes of `ctx.state.auth` (as `requireScope()`).
 * Stacked decorators are enforced in source order. The method is bound to its instance, so
 * `router.get('/orders', controller.list)` works.
 *
 * @example
 * ```ts
 * import { RequireScope } from '@portcullis/koa'
 * class OrdersController {
 *   @RequireScope('orders:read')
 *   list(ctx: Context) { ctx.body = [] }
 * }
 * ```
 */
export function RequireScope(scopes: string | readonly string[], options?: RequireScopeOptions): KoaRouteDecorator {
  const requirement = createScopeRequirement(scopes, options)
  return (method, context) => decorateRoute('@portcullis/koa', method, context as ClassMethodDecoratorContext, requirement, wrap)
}

/**
 * Method decorator: step-up authentication (RFC 9470) for the route (as
 * `requireAuthentication()`): the user behind `ctx.state.auth` must have authenticated with one
 * of the `acr` values and/or within `maxAge` seconds, else 401 `insufficient_user_authentication`.
 * Options are validated when the class is defined.
 *
 * @example
 * ```ts
 * import { RequireAuthentication, RequireScope } from '@portcullis/koa'
 * class PaymentsController {
 *   @RequireScope('payments:write')
 *   @RequireAuthentication({ acr: ['urn:example:mfa'], maxAge: 300 })
 *   pay(ctx: Context) { ctx.status = 201 }
 * }
 * ```
 */
export function RequireAuthentication(options: RequireAuthenticationOptions): KoaRouteDecorator {
  const requirement = createAuthenticationRequirement(options)
  return (method, context) => decorateRoute('@portcullis/koa', method, context as ClassMethodDecoratorContext, requirement, wrap)
}

/**
 * Method decorator: the route requires a Permit of `engine` (as `requirePolicy()`), with `ctx`
 * as the resource loader's input. Options are validated when the class is defined.
 *
 * @example
 * ```ts
 * import { Authorize, RequireScope } from '@portcullis/koa'
 * class DocumentsController {
 *   @RequireScope('documents:write')
 *   @Authorize(documents, { action: 'update', resource: (ctx: RouterContext) => docs.get(ctx.params.id) })
 *   async update(ctx: Context) { ctx.status = 204 }
 * }
 * router.put('/docs/:id', controller.update)
 * ```
 */
export function Authorize<C extends Context = Context>(engine: PolicyEngine, options: PolicyRouteOptions<C>): KoaRouteDecorator {
  const requirement = createPolicyRequirement<C>(engine, options)
  return (method, context) => decorateRoute('@portcullis/koa', method, context as ClassMethodDecoratorContext, requirement, wrap)
}

/**
 * Method decorator: the route is rate limited (as `rateLimit()`), per identity or client
 * address, with the `RateLimit` headers on allowed requests and 429 `rate_limited` over the
 * limit. One counter set per decorator: methods decorated separately are limited separately.
 * Options are validated when the class is defined.
 *
 * @example
 * ```ts
 * import { RateLimit } from '@portcullis/koa'
 * class SearchController {
 *   @RateLimit({ key: 'client', points: 10, duration: 1 })
 *   search(ctx: Context) { ctx.body = [] }
 * }
 * ```
 */
export function RateLimit(options: RateLimitOptions): KoaRouteDecorator {
  const requirement = createRateLimitRequirement(options)
  return (method, context) => decorateRoute('@portcullis/koa', method, context as ClassMethodDecoratorContext, requirement, wrap)
}
