import { errorBody, isPortcullisError } from '@portcullis/core'
import type { Context, Middleware, Next } from 'koa'

/** Options of {@link errorHandler}. */
export interface ErrorHandlerOptions {
  /** Called with every 5xx Portcullis error (a dependency is down). Default: `ctx.app.emit('error')`. */
  onServerError?: (error: Error, ctx: Context) => void
}

/**
 * Optional Koa middleware that renders Portcullis errors as JSON
 * (`{ "error": code, "error_description": ... }`) with their status and headers, and rethrows
 * every other error. Koa's default handling already renders the right status and
 * `WWW-Authenticate`; use this one for JSON bodies. Register it first.
 *
 * @example
 * ```ts
 * import { errorHandler } from '@portcullis/koa'
 * app.use(errorHandler())
 * ```
 */
export function errorHandler(options: ErrorHandlerOptions = {}): Middleware {
  const onServerError = options.onServerError ?? ((error: Error, ctx: Context) => ctx.app.emit('error', error, ctx))
  return async function portcullisErrorHandler(ctx: Context, next: Next): Promise<void> {
    try {
      await next()
    } catch (err) {
      if (!isPortcullisError(err) || ctx.headerSent) throw err
      if (err.status >= 500) onServerError(err, ctx)
      ctx.status = err.status
      ctx.set(err.headers)
      // 5xx are not exposed: the client learns the code, never the cause.
      ctx.body = errorBody(err)
    }
  }
}
