import { createAuthenticator, type Authenticator, type HealthReport, type ReadinessReport, type ReadyOptions, type RequireTokenOptions, type TokenCacheControl } from '@portcullis/core'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { setContext } from './context.js'
import { setIdentity } from './request-identity.js'
import { toRequest } from './to-request.js'

/**
 * The middleware `requireToken()` returns, with the operations of its authenticator:
 * `ready()` at startup, `health()` for `/health` routes, `cache` for revocation hooks.
 */
export type PortcullisMiddleware = RequestHandler & {
  /**
   * Fetches discovery metadata and keys of every issuer now (and discovers the introspection
   * endpoint when configured without one). Rejects with a `ReadinessError` naming each failing
   * URL and what happened. Await it before `app.listen()`.
   */
  ready(options?: ReadyOptions): Promise<ReadinessReport>
  /** Key state of every issuer, without a network call: `{ status, issuers }`. */
  health(): HealthReport
  /** Invalidation of the verified-token cache. */
  readonly cache: TokenCacheControl
  /** The framework-neutral authenticator behind this middleware. */
  readonly authenticator: Authenticator
}

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
 * const auth = requireToken({ issuer: 'https://id.example.com/', audience: 'https://api.example.com' })
 * app.use(auth)
 * app.get('/me', (req, res) => res.json({ sub: req.auth?.subject }))
 * app.get('/health', (req, res) => { const health = auth.health(); res.status(health.status === 'down' ? 503 : 200).json(health) })
 * await auth.ready()
 * app.listen(3000)
 * ```
 */
export function requireToken(options: RequireTokenOptions): PortcullisMiddleware {
  const authenticator = createAuthenticator(options)
  function portcullisRequireToken(req: Request, res: Response, next: NextFunction): void {
    authenticator.authenticate(toRequest(req)).then(
      (result) => {
        // One write per request: later requirements find this requireToken's realm and audit
        // sink (the DPoP one for a DPoP request), also when an optional token was absent.
        setContext(req, result === undefined ? authenticator.context : result.context)
        if (result !== undefined) {
          setIdentity(req, result.identity)
          for (const name in result.responseHeaders) res.setHeader(name, result.responseHeaders[name] as string)
        }
        next()
      },
      (error: unknown) => next(error),
    )
  }
  return Object.assign(portcullisRequireToken, {
    ready: (readyOptions?: ReadyOptions) => authenticator.ready(readyOptions),
    health: () => authenticator.health(),
    cache: authenticator.cache,
    authenticator,
  })
}
