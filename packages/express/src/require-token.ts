import { createAuthenticator, type RequireTokenOptions } from '@portcullis/core'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { setContext } from './context.js'
import { toRequest } from './to-request.js'

/**
 * Express middleware that authenticates the bearer token of every request and sets
 * `req.auth`. Failures go to `next(err)` as a `PortcullisError` carrying `status` and
 * `headers` (`WWW-Authenticate`), which Express's default error handler renders as is.
 * Options are validated now: a mistake throws here, not on the first request.
 *
 * @example
 * ```ts
 * import express from 'express'
 * import { requireToken } from '@portcullis/express'
 * const app = express()
 * app.use(requireToken({ issuer: 'https://id.example.com/', audience: 'https://api.example.com' }))
 * app.get('/me', (req, res) => res.json({ sub: req.auth?.subject }))
 * ```
 */
export function requireToken(options: RequireTokenOptions): RequestHandler {
  const authenticator = createAuthenticator(options)
  return function portcullisRequireToken(req: Request, res: Response, next: NextFunction): void {
    setContext(req, authenticator.context)
    authenticator.authenticate(toRequest(req)).then(
      (result) => {
        if (result !== undefined) {
          setContext(req, result.context)
          req.auth = result.identity
          for (const name in result.responseHeaders) res.setHeader(name, result.responseHeaders[name] as string)
        }
        next()
      },
      (error: unknown) => next(error),
    )
  }
}
