import { createAuthenticator, type RequireTokenOptions } from '@portcullis/core'
import type { Context, Middleware, Next } from 'koa'
import { setContext } from './context.js'
import { toRequest } from './to-request.js'

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
 * app.use(requireToken({ issuer: 'https://id.example.com/', audience: 'https://api.example.com' }))
 * app.use((ctx) => { ctx.body = { sub: ctx.state.auth?.subject } })
 * ```
 */
export function requireToken(options: RequireTokenOptions): Middleware {
  const authenticator = createAuthenticator(options)
  return async function portcullisRequireToken(ctx: Context, next: Next): Promise<void> {
    setContext(ctx, authenticator.context)
    const result = await authenticator.authenticate(toRequest(ctx))
    if (result !== undefined) {
      setContext(ctx, result.context)
      ctx.state.auth = result.identity
      for (const name in result.responseHeaders) ctx.set(name, result.responseHeaders[name] as string)
    }
    await next()
  }
}
