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
import type { NextFunction, Request, Response } from 'express'
import { getContext } from './context.js'
import { toRequest } from './to-request.js'

/** A controller method usable as an Express route handler. */
export type ExpressRouteMethod<This> = (this: This, req: Request, res: Response, next: NextFunction) => unknown

/** A standard (TC39) method decorator for Express route handlers. */
export type ExpressRouteDecorator = <This, M extends ExpressRouteMethod<This>>(method: M, context: ClassMethodDecoratorContext<This, M>) => M

// The wrapper enforces every requirement recorded for the method (read from the metadata at call
// time, so decorators applied after this one count), then calls the method. Errors, from the
// requirements or from an async method, go to next(err): Express 4 ignores rejected promises.
function wrap<M extends ExpressRouteMethod<never>>(method: M, requirements: () => readonly RouteRequirement[], name: string): M {
  const wrapped = async function (this: unknown, req: Request, res: Response, next: NextFunction): Promise<void> {
    try {
      const headers = await enforceRouteRequirements(requirements(), { request: toRequest(req), identity: req.auth, context: getContext(req), input: req })
      for (const [header, value] of Object.entries(headers)) res.setHeader(header, value)
      await method.call(this as never, req, res, next)
    } catch (error) {
      if (typeof next !== 'function') throw error
      next(error)
    }
  }
  Object.defineProperty(wrapped, 'name', { value: name })
  return wrapped as unknown as M
}

/**
 * Method decorator: the route requires these scopes of `req.auth` (as `requireScope()`).
 * Stacked decorators are enforced in source order. The method is bound to its instance, so
 * `router.get('/orders', controller.list)` works.
 *
 * @example
 * ```ts
 * import { RequireScope } from '@portcullis/express'
 * class OrdersController {
 *   @RequireScope('orders:read')
 *   list(req: Request, res: Response) { res.json([]) }
 * }
 * ```
 */
export function RequireScope(scopes: string | readonly string[], options?: RequireScopeOptions): ExpressRouteDecorator {
  const requirement: RouteRequirement = { kind: 'scope', requirement: createScopeRequirement(scopes, options) }
  return (method, context) => decorateRoute('@portcullis/express', method, context as ClassMethodDecoratorContext, requirement, wrap)
}

/**
 * Method decorator: the route requires a Permit of `engine` (as `requirePolicy()`), with the
 * request as the resource loader's input. Options are validated when the class is defined.
 *
 * @example
 * ```ts
 * import { Authorize, RequireScope } from '@portcullis/express'
 * class DocumentsController {
 *   @RequireScope('documents:write')
 *   @Authorize(documents, { action: 'update', resource: (req) => docs.get(String(req.params.id)) })
 *   async update(req: Request, res: Response) { res.status(204).end() }
 * }
 * router.put('/docs/:id', controller.update)
 * ```
 */
export function Authorize(engine: PolicyEngine, options: PolicyRouteOptions<Request>): ExpressRouteDecorator {
  const requirement = { kind: 'policy', requirement: createPolicyRequirement<Request>(engine, options) } as RouteRequirement
  return (method, context) => decorateRoute('@portcullis/express', method, context as ClassMethodDecoratorContext, requirement, wrap)
}
