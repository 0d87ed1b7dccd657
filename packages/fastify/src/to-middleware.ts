import { LazyRequirementInput, type Enforcement, type Requirement } from '@portcullis/core'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { getContext } from './context.js'
import type { FastifyHook } from './hook.js'
import { toRequest } from './to-request.js'

// Sets the enforcement's headers, then goes on. next() runs outside the try: an error thrown
// further down is not this requirement's.
function proceed<R>(reply: FastifyReply, next: (error?: unknown) => R, enforcement: Enforcement): R {
  const headers = enforcement.responseHeaders
  if (headers !== undefined) {
    try {
      for (const name in headers) reply.header(name, headers[name] as string)
    } catch (error) {
      return next(error)
    }
  }
  return next()
}

/**
 * Enforces `requirement` on `request.auth` with the context of the request's `requireToken()`,
 * sets the headers the enforcement asks for, then calls `next()`; a refusal calls
 * `next(error)` with the `PortcullisError`. Synchronous for a synchronous requirement; returns
 * what `next` returns (a promise of it for an asynchronous requirement), so a decorator's
 * wrapper can call its method from `next`.
 */
export function enforce<R>(requirement: Requirement<FastifyRequest>, request: FastifyRequest, reply: FastifyReply, next: (error?: unknown) => R): R | Promise<R> {
  let result: Enforcement | PromiseLike<Enforcement>
  try {
    result = requirement.enforce(new LazyRequirementInput(request, request.auth, getContext(request), toRequest))
  } catch (error) {
    return next(error)
  }
  if (typeof (result as Partial<PromiseLike<Enforcement>>).then !== 'function') return proceed(reply, next, result as Enforcement)
  return Promise.resolve(result).then((enforcement) => proceed(reply, next, enforcement), next)
}

/**
 * Turns any core `Requirement` (scopes, step-up, policy, ...) into a Fastify `preHandler` hook
 * named `name`: it enforces the requirement on `request.auth` with the context of the
 * request's `requireToken()`, sets the headers the enforcement asks for, then calls `done()`;
 * a refusal goes to `done(err)` as the `PortcullisError`, to Fastify's error handling. A
 * synchronous requirement is answered synchronously: the promise path is taken only when
 * `enforce` returns a promise. The hook returns nothing (Fastify would take a returned
 * promise for an async hook).
 *
 * @example
 * ```ts
 * export const requireScope = (scopes, options) => toMiddleware(createScopeRequirement(scopes, options), 'portcullisRequireScope')
 * ```
 */
export function toMiddleware(requirement: Requirement<FastifyRequest>, name: string): FastifyHook {
  const hook: FastifyHook = function (request, reply, done) {
    // Errors reaching done() are the requirement's PortcullisError or what a header write threw.
    void enforce(requirement, request, reply, done as (error?: unknown) => void)
  }
  Object.defineProperty(hook, 'name', { value: name })
  return hook
}
