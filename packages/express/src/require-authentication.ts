import { createAuthenticationRequirement, type RequireAuthenticationOptions } from '@portcullis/core'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { getContext } from './context.js'
import { toRequest } from './to-request.js'

/**
 * Express middleware for step-up authentication (RFC 9470) on one route: the user behind
 * `req.auth` must have authenticated with one of the `acr` values and/or within `maxAge`
 * seconds. Otherwise answers 401 `insufficient_user_authentication` with `acr_values` /
 * `max_age` in the challenge, so the client can re-authenticate the user and retry.
 *
 * @example
 * ```ts
 * app.post('/payments', requireAuthentication({ acr: ['urn:example:mfa'], maxAge: 300 }), pay)
 * ```
 */
export function requireAuthentication(options: RequireAuthenticationOptions): RequestHandler {
  const requirement = createAuthenticationRequirement(options)
  return function portcullisRequireAuthentication(req: Request, _res: Response, next: NextFunction): void {
    const error = requirement.check(req.auth, toRequest(req), getContext(req))
    if (error === undefined) next()
    else next(error)
  }
}
