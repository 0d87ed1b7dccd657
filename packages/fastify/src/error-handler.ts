import { errorBody, isPortcullisError } from '@portcullis/core'
import type { FastifyReply, FastifyRequest } from 'fastify'

/** Options of {@link errorHandler}. */
export interface ErrorHandlerOptions {
  /** Called with every 5xx Portcullis error (a dependency is down). Default: `request.log.error`. */
  onServerError?: (error: Error, request: FastifyRequest) => void
}

/** A Fastify error handler, for `app.setErrorHandler()`. */
export type FastifyErrorHandler = (error: unknown, request: FastifyRequest, reply: FastifyReply) => void

/**
 * Fastify error handler that renders Portcullis errors as JSON
 * (`{ "error": code, "error_description": ... }`, the same bodies as the Express and Koa
 * adapters) with their status and headers, and passes every other error on to the parent
 * error handler (by rethrowing it: Fastify's own default renders it). Fastify's default handler
 * already answers the right status and `WWW-Authenticate`, but its body carries the message
 * of every error, 5xx included; this one shows only the code of a 5xx. The `portcullis` plugin
 * installs it unless told not to.
 *
 * @example
 * ```ts
 * import { errorHandler } from '@portcullis/fastify'
 * app.setErrorHandler(errorHandler())
 * ```
 */
export function errorHandler(options: ErrorHandlerOptions = {}): FastifyErrorHandler {
  const onServerError = options.onServerError ?? ((error: Error, request: FastifyRequest) => request.log.error({ err: error }, error.message))
  return function portcullisErrorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
    if (!isPortcullisError(error) || reply.sent) throw error
    if (error.status >= 500) onServerError(error, request)
    // 5xx are not exposed: the client learns the code, never the cause.
    void reply.code(error.status).headers(error.headers).send(errorBody(error))
  }
}
