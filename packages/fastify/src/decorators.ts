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
import type { FastifyReply, FastifyRequest } from 'fastify'
import { enforce } from './to-middleware.js'

// Declared as a method so that its parameters are checked bivariantly: a handler typed with a
// narrower request (`FastifyRequest<{ Params: { id: string } }>`) is accepted.
/** The shape of a controller method usable as a Fastify route handler (see {@link FastifyRouteMethod}). */
export interface FastifyRouteMethodShape<This> {
  handle(this: This, request: FastifyRequest, reply: FastifyReply): unknown
}

/** A controller method usable as a Fastify route handler (`request` may be a `FastifyRequest` with route generics). */
export type FastifyRouteMethod<This> = FastifyRouteMethodShape<This>['handle']

/** A standard (TC39) method decorator for Fastify route handlers. */
export type FastifyRouteDecorator = <This, M extends FastifyRouteMethod<This>>(method: M, context: ClassMethodDecoratorContext<This, M>) => M

// `requirement` enforces every requirement recorded for the method (read from the metadata at
// call time, so decorators applied after this one count) the same way as requireScope(); its
// "next" calls the method. A synchronous requirement keeps the handler synchronous: a refusal
// is thrown and the method's own result (a value to send, or a promise) is returned as is, so
// Fastify treats the handler as it would the bare method. An asynchronous requirement makes it
// a promise, rejected by any error (of a requirement, or of the method), to Fastify's error path.
function wrap<M extends FastifyRouteMethod<never>>(method: M, requirement: Requirement, name: string): M {
  const wrapped = function (this: unknown, request: FastifyRequest, reply: FastifyReply): unknown {
    return enforce(requirement, request, reply, (error?: unknown) => {
      if (error !== undefined) throw error
      return method.call(this as never, request, reply)
    })
  }
  Object.defineProperty(wrapped, 'name', { value: name })
  return wrapped as unknown as M
}

/**
 * Method decorator: the route requires these scopes of `request.auth` (as `requireScope()`).
 * Stacked decorators are enforced in source order. The method is bound to its instance, so
 * `app.get('/orders', controller.list)` works.
 *
 * @example
 * ```ts
 * import { RequireScope } from '@portcullis/fastify'
 * class OrdersController {
 *   @RequireScope('orders:read')
 *   list(request: FastifyRequest) { return [] }
 * }
 * ```
 */
export function RequireScope(scopes: string | readonly string[], options?: RequireScopeOptions): FastifyRouteDecorator {
  const requirement = createScopeRequirement(scopes, options)
  return (method, context) => decorateRoute('@portcullis/fastify', method, context as ClassMethodDecoratorContext, requirement, wrap)
}

/**
 * Method decorator: step-up authentication (RFC 9470) for the route (as
 * `requireAuthentication()`): the user behind `request.auth` must have authenticated with one
 * of the `acr` values and/or within `maxAge` seconds, else 401 `insufficient_user_authentication`.
 * Options are validated when the class is defined.
 *
 * @example
 * ```ts
 * import { RequireAuthentication, RequireScope } from '@portcullis/fastify'
 * class PaymentsController {
 *   @RequireScope('payments:write')
 *   @RequireAuthentication({ acr: ['urn:example:mfa'], maxAge: 300 })
 *   pay(request: FastifyRequest, reply: FastifyReply) { reply.code(201).send() }
 * }
 * ```
 */
export function RequireAuthentication(options: RequireAuthenticationOptions): FastifyRouteDecorator {
  const requirement = createAuthenticationRequirement(options)
  return (method, context) => decorateRoute('@portcullis/fastify', method, context as ClassMethodDecoratorContext, requirement, wrap)
}

/**
 * Method decorator: the route requires a Permit of `engine` (as `requirePolicy()`), with the
 * request as the resource loader's input. Options are validated when the class is defined.
 *
 * @example
 * ```ts
 * import { Authorize, RequireScope } from '@portcullis/fastify'
 * type ById = FastifyRequest<{ Params: { id: string } }>
 * class DocumentsController {
 *   @RequireScope('documents:write')
 *   @Authorize(documents, { action: 'update', resource: (request: ById) => docs.get(request.params.id) })
 *   async update(request: ById, reply: FastifyReply) { reply.code(204).send() }
 * }
 * app.put('/docs/:id', controller.update)
 * ```
 */
export function Authorize<R extends FastifyRequest = FastifyRequest>(engine: PolicyEngine, options: PolicyRouteOptions<R>): FastifyRouteDecorator {
  const requirement = createPolicyRequirement<R>(engine, options)
  return (method, context) => decorateRoute('@portcullis/fastify', method, context as ClassMethodDecoratorContext, requirement, wrap)
}

/**
 * Method decorator: the route is rate limited (as `rateLimit()`), per identity or client
 * address, with the `RateLimit` headers on allowed requests and 429 `rate_limited` over the
 * limit. One counter set per decorator: methods decorated separately are limited separately.
 * Options are validated when the class is defined.
 *
 * @example
 * ```ts
 * import { RateLimit } from '@portcullis/fastify'
 * class SearchController {
 *   @RateLimit({ key: 'client', points: 10, duration: 1 })
 *   search(request: FastifyRequest) { return [] }
 * }
 * ```
 */
export function RateLimit(options: RateLimitOptions): FastifyRouteDecorator {
  const requirement = createRateLimitRequirement(options)
  return (method, context) => decorateRoute('@portcullis/fastify', method, context as ClassMethodDecoratorContext, requirement, wrap)
}
