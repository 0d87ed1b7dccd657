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
import type { NextFunction, Request, Response } from 'express'
import { toMiddleware } from './to-middleware.js'

/** A controller method usable as an Express route handler. */
export type ExpressRouteMethod<This> = (this: This, req: Request, res: Response, next: NextFunction) => unknown

/** A standard (TC39) method decorator for Express route handlers. */
export type ExpressRouteDecorator = <This, M extends ExpressRouteMethod<This>>(method: M, context: ClassMethodDecoratorContext<This, M>) => M

// `requirement` enforces every requirement recorded for the method (read from the metadata at
// call time, so decorators applied after this one count) through the same middleware as
// requireScope(); its "next" calls the method. Errors, from the requirements or from the method
// (also a rejected async one), go to next(err): Express 4 ignores rejected promises.
function wrap<M extends ExpressRouteMethod<never>>(method: M, requirement: Requirement, name: string): M {
  const guard = toMiddleware(requirement, name)
  const wrapped = function (this: unknown, req: Request, res: Response, next: NextFunction): unknown {
    const fail = (error: unknown): void => {
      if (typeof next !== 'function') throw error
      next(error)
    }
    return guard(req, res, (error?: unknown) => {
      if (error !== undefined) return fail(error)
      let result: unknown
      try {
        result = method.call(this as never, req, res, next)
      } catch (thrown) {
        return fail(thrown)
      }
      return typeof (result as { then?: unknown } | null)?.then === 'function' ? Promise.resolve(result).then(() => undefined, fail) : undefined
    })
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
  const requirement = createScopeRequirement(scopes, options)
  return (method, context) => decorateRoute('@portcullis/express', method, context as ClassMethodDecoratorContext, requirement, wrap)
}

/**
 * Method decorator: step-up authentication (RFC 9470) for the route (as
 * `requireAuthentication()`): the user behind `req.auth` must have authenticated with one of
 * the `acr` values and/or within `maxAge` seconds, else 401 `insufficient_user_authentication`.
 * Options are validated when the class is defined.
 *
 * @example
 * ```ts
 * import { RequireAuthentication, RequireScope } from '@portcullis/express'
 * class PaymentsController {
 *   @RequireScope('payments:write')
 *   @RequireAuthentication({ acr: ['urn:example:mfa'], maxAge: 300 })
 *   pay(req: Request, res: Response) { res.status(201).end() }
 * }
 * ```
 */
export function RequireAuthentication(options: RequireAuthenticationOptions): ExpressRouteDecorator {
  const requirement = createAuthenticationRequirement(options)
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
  const requirement = createPolicyRequirement<Request>(engine, options)
  return (method, context) => decorateRoute('@portcullis/express', method, context as ClassMethodDecoratorContext, requirement, wrap)
}

/**
 * Method decorator: the route is rate limited (as `rateLimit()`), per identity or client
 * address, with the `RateLimit` headers on allowed requests and 429 `rate_limited` over the
 * limit. One counter set per decorator: methods decorated separately are limited separately.
 * Options are validated when the class is defined.
 *
 * @example
 * ```ts
 * import { RateLimit } from '@portcullis/express'
 * class SearchController {
 *   @RateLimit({ key: 'client', points: 10, duration: 1 })
 *   search(req: Request, res: Response) { res.json([]) }
 * }
 * ```
 */
export function RateLimit(options: RateLimitOptions): ExpressRouteDecorator {
  const requirement = createRateLimitRequirement(options)
  return (method, context) => decorateRoute('@portcullis/express', method, context as ClassMethodDecoratorContext, requirement, wrap)
}
