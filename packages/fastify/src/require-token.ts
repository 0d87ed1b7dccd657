import { createAuthenticator, type Authenticator, type HealthReport, type ReadinessReport, type ReadyOptions, type RequireTokenOptions, type TokenCacheControl } from '@portcullis/core'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { setContext } from './context.js'
import { toRequest } from './to-request.js'

/**
 * The hook `requireToken()` returns, with the operations of its authenticator:
 * `ready()` at startup, `health()` for `/health` routes, `cache` for revocation hooks.
 */
export type PortcullisMiddleware = ((request: FastifyRequest, reply: FastifyReply) => Promise<void>) & {
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
  /** The framework-neutral authenticator behind this hook. */
  readonly authenticator: Authenticator
}

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
 * const auth = requireToken({ issuer: 'https://id.example.com/', audience: 'https://api.example.com' })
 * app.get('/health', (request, reply) => { const health = auth.health(); return reply.code(health.status === 'down' ? 503 : 200).send(health) })
 * app.get('/me', { preHandler: auth }, (request) => ({ sub: request.auth?.subject }))
 * await auth.ready()
 * await app.listen({ port: 3000 })
 * ```
 */
export function requireToken(options: RequireTokenOptions): PortcullisMiddleware {
  const authenticator = createAuthenticator(options)
  async function portcullisRequireToken(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const result = await authenticator.authenticate(toRequest(request))
    // One write per request: later requirements find this requireToken's realm and audit sink
    // (the DPoP one for a DPoP request), also when an optional token was absent.
    setContext(request, result === undefined ? authenticator.context : result.context)
    if (result !== undefined) {
      request.auth = result.identity
      for (const name in result.responseHeaders) reply.header(name, result.responseHeaders[name] as string)
    }
  }
  return Object.assign(portcullisRequireToken, {
    ready: (readyOptions?: ReadyOptions) => authenticator.ready(readyOptions),
    health: () => authenticator.health(),
    cache: authenticator.cache,
    authenticator,
  })
}
