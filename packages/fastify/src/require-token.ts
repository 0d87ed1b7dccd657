import { createAuthenticator, type RequireTokenOptions } from '@portcullis/core'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { setContext } from './context.js'
import { toRequest } from './to-request.js'

/**
 * Fastify hook that authenticates the bearer token of the request and sets `request.auth`.
 * Register it as a `preHandler` hook (the body is parsed by then, so the RFC 6750 §2.2 body
 * method works; as an `onRequest` hook it runs earlier but sees no body). Failures are thrown
 * as a `PortcullisError` carrying `status`, `statusCode` and `headers` (`WWW-Authenticate`),
 * which Fastify's error handling renders with that status and those headers.
 * Options are validated now: a mistake throws here, not on the first request.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { requireToken } from '@portcullis/fastify'
 * const app = Fastify()
 * app.addHook('preHandler', requireToken({ issuer: 'https://id.example.com/', audience: 'https://api.example.com' }))
 * app.get('/me', (request) => ({ sub: request.auth?.subject }))
 * ```
 */
export function requireToken(options: RequireTokenOptions): (request: FastifyRequest, reply: FastifyReply) => Promise<void> {
  const authenticator = createAuthenticator(options)
  return async function portcullisRequireToken(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    setContext(request, authenticator.context)
    const result = await authenticator.authenticate(toRequest(request))
    if (result !== undefined) {
      setContext(request, result.context)
      request.auth = result.identity
      for (const name in result.responseHeaders) reply.header(name, result.responseHeaders[name] as string)
    }
  }
}
