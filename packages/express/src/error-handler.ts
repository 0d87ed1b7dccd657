import { errorBody, isPortcullisError } from '@portcullis/core'
import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express'

/** Options of {@link errorHandler}. */
export interface ErrorHandlerOptions {
  /** Called with every 5xx Portcullis error (a dependency is down). Default: `console.error`. */
  onServerError?: (error: Error) => void
}

/**
 * Optional Express error handler that renders Portcullis errors as JSON
 * (`{ "error": code, "error_description": ... }`) with their status and headers, and passes
 * every other error on. Express's default handler already renders the right status and
 * `WWW-Authenticate`; use this one for JSON bodies and to keep 4xx rejections (already in the
 * audit trail) out of stderr. Register it after your routes.
 *
 * @example
 * ```ts
 * import { errorHandler } from '@portcullis/express'
 * app.use(errorHandler())
 * ```
 */
export function errorHandler(options: ErrorHandlerOptions = {}): ErrorRequestHandler {
  const onServerError = options.onServerError ?? ((error: Error) => console.error(error))
  return function portcullisErrorHandler(err: unknown, _req: Request, res: Response, next: NextFunction): void {
    if (!isPortcullisError(err) || res.headersSent) {
      next(err)
      return
    }
    if (err.status >= 500) onServerError(err)
    res.status(err.status).set(err.headers)
    // 5xx are not exposed: the client learns the code, never the cause.
    res.json(errorBody(err))
  }
}
