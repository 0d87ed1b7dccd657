import {
  createScopeRequirement,
  decorateRoute,
  enforceRouteRequirements,
  type RequireScopeOptions,
  type RouteRequirement,
} from '@portcullis/core'
import {
  createPolicyRequirement,
  type PolicyEngine,
  type PolicyRouteOptions,
} from '@portcullis/policy'
import type { Context, Next } from 'koa'
import { getContext } from './context.js'
import { toRequest } from './to-request.js'

/**
 * A controller method usable as Koa route middleware (`ctx` may be a `Context` subtype such as `RouterContext`).
 * Declared through a method signature so that its parameter is checked bivariantly: a handler
 * typed with a narrower context (`RouterContext` of @koa/router) is accepted, an Express-style one is not.
 */
export type KoaRouteMethod<This> = { handle(this: This, ctx: Context, next: Next): unknown }['handle']

/** A standard (TC39) method decorator for Koa route middleware. */
export type KoaRouteDecorator = <This, M extends KoaRouteMethod<This>>(method: M, context: ClassMethodDecoratorContext<This, M>) => M

// The wrapper enforces every requirement recorded for the method (read from the metadata at call
// time, so decorators applied after this one count), then calls the method; errors are thrown
// to Koa's error path.
function wrap<M extends KoaRouteMethod<never>>(method: M, requirements: () => readonly RouteRequirement[], name: string): M {
  const wrapped = async function (this: unknown, ctx: Context, next: Next): Promise<unknown> {
    const headers = await enforceRouteRequirements(requirements(), { request: toRequest(ctx), identity: ctx.state.auth, context: getContext(ctx), input: ctx })
    for (const [header, value] of Object.entries(headers)) ctx.set(header, value)
    return await method.call(this as never, ctx, next)
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
  const requirement: RouteRequirement = { kind: 'scope', requirement: createScopeRequirement(scopes, options) }
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
  const requirement = { kind: 'policy', requirement: createPolicyRequirement<C>(engine, options) } as RouteRequirement
  return (method, context) => decorateRoute('@portcullis/koa', method, context as ClassMethodDecoratorContext, requirement, wrap)
}
