import { createProtectedResourceMetadata, type ProtectedResourceMetadataOptions } from '@portcullis/core'
import type { FastifyHook } from './hook.js'

/**
 * Fastify `onRequest` hook serving the RFC 9728 protected resource metadata document at
 * `/.well-known/oauth-protected-resource` (plus the resource's path, RFC 9728 §3.1). It answers
 * before any `preHandler` hook, so `requireToken()` registered as a `preHandler` never sees
 * the request: the document is public. Other paths pass through.
 *
 * @example
 * ```ts
 * import { protectedResourceMetadata, requireToken } from '@portcullis/fastify'
 * const tokenOptions = { issuer: 'https://id.example.com/', audience: 'https://api.example.com' }
 * app.addHook('onRequest', protectedResourceMetadata({ resource: 'https://api.example.com', tokenOptions, scopesSupported: ['orders:read'] }))
 * app.addHook('preHandler', requireToken({ ...tokenOptions, resourceMetadata: 'https://api.example.com/.well-known/oauth-protected-resource' }))
 * ```
 */
export function protectedResourceMetadata(options: ProtectedResourceMetadataOptions): FastifyHook {
  const metadata = createProtectedResourceMetadata(options)
  return function portcullisProtectedResourceMetadata(request, reply, done): void {
    const url = request.url
    const query = url.indexOf('?')
    if ((query === -1 ? url : url.slice(0, query)) !== metadata.path) return done()
    // Answered here: done() is not called, so no later hook nor route runs.
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      void reply.code(405).header('Allow', 'GET, HEAD').send()
      return
    }
    // A public document: any origin may read it (browser-based clients discover the AS with it).
    void reply
      .code(200)
      .headers({
        'Content-Type': 'application/json',
        'Cache-Control': 'public, max-age=3600',
        'Access-Control-Allow-Origin': '*',
      })
      .send(request.method === 'HEAD' ? undefined : metadata.body)
  }
}
