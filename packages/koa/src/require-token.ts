import { createAuthenticator, type Authenticator, type HealthReport, type ReadinessReport, type ReadyOptions, type RequireTokenOptions, type TokenCacheControl } from '@portcullis/core'
import type { Context, Middleware, Next } from 'koa'
import { setContext } from './context.js'
import { toRequest } from './to-request.js'

/**
 * The middleware `requireToken()` returns, with the operations of its authenticator:
 * `ready()` at startup, `health()` for `/health` routes, `cache` for revocation hooks.
 */
export type PortcullisMiddleware = Middleware & {
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
 * Koa middleware that authenticates the bearer token of every request and sets
 * `ctx.state.auth`. Failures are thrown as a `PortcullisError` carrying `status`, `expose`
 * and `headers` (`WWW-Authenticate`), which Koa's default error handling renders as is.
 * Options are validated now: a mistake throws here, not on the first request.
 *
 * @example
 * ```ts
 * import Koa from 'koa'
 * import { requireToken } from '@portcullis/koa'
 * const app = new Koa()
 * const auth = requireToken({ issuer: 'https://id.example.com/', audience: 'https://api.example.com' })
 * app.use(auth)
 * app.use((ctx) => { ctx.body = { sub: ctx.state.auth?.subject } })
 * await auth.ready()
 * app.listen(3000)
 * ```
 */
export function requireToken(options: RequireTokenOptions): PortcullisMiddleware {
  const authenticator = createAuthenticator(options)
  async function portcullisRequireToken(ctx: Context, next: Next): Promise<void> {
    const result = await authenticator.authenticate(toRequest(ctx))
    // One write per request: later requirements find this requireToken's realm and audit sink
    // (the DPoP one for a DPoP request), also when an optional token was absent.
    setContext(ctx, result === undefined ? authenticator.context : result.context)
    if (result !== undefined) {
      ctx.state.auth = result.identity
      for (const name in result.responseHeaders) ctx.set(name, result.responseHeaders[name] as string)
    }
    await next()
  }
  return Object.assign(portcullisRequireToken, {
    ready: (readyOptions?: ReadyOptions) => authenticator.ready(readyOptions),
    health: () => authenticator.health(),
    cache: authenticator.cache,
    authenticator,
  })
}
