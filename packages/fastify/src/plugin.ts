import type { ProtectedResourceMetadataOptions, RequireTokenOptions } from '@portcullis/core'
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { errorHandler, type ErrorHandlerOptions } from './error-handler.js'
import { protectedResourceMetadata } from './protected-resource-metadata.js'
import { requireToken } from './require-token.js'

/** Options of the {@link portcullis} plugin. */
export interface PortcullisPluginOptions {
  /**
   * Authenticates every request with `requireToken(token)`, as a `preHandler` hook, reachable
   * as `app.portcullis` (`ready()`, `health()`, `cache`). Omit to add the hook per route yourself.
   */
  token?: RequireTokenOptions
  /** Serves the RFC 9728 metadata document with `protectedResourceMetadata(metadata)`, as an `onRequest` hook (public). */
  metadata?: ProtectedResourceMetadataOptions
  /** Options of the `errorHandler()` the plugin installs, or `false` to keep your own error handler. */
  errorHandler?: ErrorHandlerOptions | false
}

// Registered through fastify-plugin: the hooks, the error handler and the `auth` decoration
// apply to the instance that registers the plugin, not to an encapsulated child of it.
// Async, so that invalid options reject app.ready() (a synchronous throw would leave it waiting).
const plugin: FastifyPluginAsync<PortcullisPluginOptions> = async (app, options) => {
  // Declares `request.auth` up front (undefined until requireToken sets it): Fastify keeps
  // request objects of one shape.
  if (!app.hasRequestDecorator('auth')) app.decorateRequest('auth', undefined)
  if (options.metadata !== undefined) app.addHook('onRequest', protectedResourceMetadata(options.metadata))
  if (options.token !== undefined) {
    const auth = requireToken(options.token)
    app.addHook('preHandler', auth)
    // Fastify forbids redefining a decorator, also one inherited from a parent instance: a
    // nested registration keeps the outer hook as `app.portcullis` (its own is still installed).
    if (!app.hasDecorator('portcullis')) app.decorate('portcullis', auth)
  }
  if (options.errorHandler !== false) app.setErrorHandler(errorHandler(options.errorHandler ?? {}))
}

/**
 * The Fastify plugin: declares `request.auth`, installs `errorHandler()` (JSON bodies, 5xx
 * causes hidden), and, when given the options, authenticates every request of the instance
 * (`token`, its hook then is `app.portcullis`, with `ready()`, `health()` and `cache`) and
 * serves the protected resource metadata (`metadata`). Options are validated
 * when the plugin loads: a mistake rejects `app.ready()` / `app.listen()`. Per-route checks
 * stay hooks: `requireScope`, `requireAuthentication`, `requirePolicy` in a route's `preHandler`.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify'
 * import { portcullis, requireScope } from '@portcullis/fastify'
 * const app = Fastify()
 * await app.register(portcullis, { token: { issuer: 'https://id.example.com/', audience: 'https://api.example.com' } })
 * app.get('/orders', { preHandler: requireScope('orders:read') }, (request) => ({ sub: request.auth?.subject }))
 * await app.portcullis?.ready()
 * ```
 */
export const portcullis = fp(plugin, { fastify: '4.x || 5.x', name: '@portcullis/fastify' })
