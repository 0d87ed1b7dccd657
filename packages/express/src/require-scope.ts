import { createScopeRequirement, type RequireScopeOptions } from '@portcullis/core'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { getContext } from './context.js'
import { toRequest } from './to-request.js'

/**
 * Express middleware that requires scopes of `req.auth` (set by `requireToken()`): all of them
 * by default, any of them with `{ match: 'any' }`. Answers 403 `insufficient_scope` with the
 * required scopes in the challenge, or 401 when there is no identity.
 *
 * @example
 * ```ts
 * app.get('/orders', requireScope('orders:read'), listOrders)
 * app.get('/reports', requireScope(['reports:read', 'admin'], { match: 'any' }), report)
 * ```
 */
export function requireScope(scopes: string | readonly string[], options?: RequireScopeOptions): RequestHandler {
  const requirement = createScopeRequirement(scopes, options)
  return function portcullisRequireScope(req: Request, _res: Response, next: NextFunction): void {
    const error = requirement.check(req.auth, toRequest(req), getContext(req))
    if (error === undefined) next()
    else next(error)
  }
}
