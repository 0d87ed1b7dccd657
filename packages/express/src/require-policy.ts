import { createPolicyRequirement, type PolicyEngine, type PolicyRouteOptions } from '@portcullis/policy'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { getContext } from './context.js'
import { toRequest } from './to-request.js'

/**
 * Express middleware that enforces an ABAC policy (the PEP): only a Permit whose obligations
 * are all discharged calls `next()`, after setting the headers a response-headers obligation
 * asks for. Otherwise it forwards the `PortcullisError` to `next(err)`: 403 `access_denied`
 * (the body rendered by `errorHandler()` is `{ error, decision_id }`), 401
 * `insufficient_user_authentication` with `acr_values`/`max_age` (step-up), or 503 when an
 * infrastructure attribute provider failed. The subject is `req.auth` (set by `requireToken()`);
 * without it the subject is anonymous. Options are validated when the middleware is created.
 *
 * @example
 * ```ts
 * import { requirePolicy } from '@portcullis/express'
 * app.get('/docs/:id', requirePolicy(documents, { action: 'read', resource: (req) => docs.get(String(req.params.id)) }), show)
 * ```
 */
export function requirePolicy(engine: PolicyEngine, options: PolicyRouteOptions<Request>): RequestHandler {
  const requirement = createPolicyRequirement<Request>(engine, options)
  return async function portcullisRequirePolicy(req: Request, res: Response, next: NextFunction): Promise<void> {
    // next() is called outside the try: an error thrown further down is not this middleware's.
    try {
      const { responseHeaders } = await requirement.enforce({ request: toRequest(req), identity: req.auth, context: getContext(req), input: req })
      for (const [name, value] of Object.entries(responseHeaders)) res.setHeader(name, value)
    } catch (error) {
      next(error)
      return
    }
    next()
  }
}
