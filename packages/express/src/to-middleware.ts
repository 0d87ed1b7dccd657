import { LazyRequirementInput, type Enforcement, type Requirement } from '@portcullis/core'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { getContext } from './context.js'
import { toRequest } from './to-request.js'

// Sets the enforcement's headers, then goes on. A header Node refuses goes to next(err), and
// next() itself runs outside the try: an error thrown further down is not this requirement's.
function proceed(res: Response, next: NextFunction, enforcement: Enforcement): unknown {
  const headers = enforcement.responseHeaders
  if (headers !== undefined) {
    try {
      for (const name in headers) res.setHeader(name, headers[name] as string)
    } catch (error) {
      return next(error)
    }
  }
  return next()
}

/**
 * Turns any core `Requirement` (scopes, step-up, policy, ...) into Express middleware named
 * `name`: it enforces the requirement on `req.auth` with the context of the request's
 * `requireToken()`, sets the headers the enforcement asks for, then calls `next()`; a refusal
 * goes to `next(err)` as the `PortcullisError`. A synchronous requirement is answered
 * synchronously: the promise path is taken only when `enforce` returns a promise. Returns what
 * `next` returns, so a decorator's wrapper can pass its method as `next`.
 *
 * @example
 * ```ts
 * export const requireScope = (scopes, options) => toMiddleware(createScopeRequirement(scopes, options), 'portcullisRequireScope')
 * ```
 */
export function toMiddleware(requirement: Requirement<Request>, name: string): RequestHandler {
  const middleware = function (req: Request, res: Response, next: NextFunction): unknown {
    let result: Enforcement | PromiseLike<Enforcement>
    try {
      result = requirement.enforce(new LazyRequirementInput(req, req.auth, getContext(req), toRequest))
    } catch (error) {
      return next(error)
    }
    if (typeof (result as Partial<PromiseLike<Enforcement>>).then !== 'function') return proceed(res, next, result as Enforcement)
    return Promise.resolve(result).then((enforcement) => proceed(res, next, enforcement), next)
  }
  Object.defineProperty(middleware, 'name', { value: name })
  return middleware
}
