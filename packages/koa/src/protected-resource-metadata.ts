import { createProtectedResourceMetadata, type ProtectedResourceMetadataOptions } from '@portcullis/core'
import type { Context, Middleware, Next } from 'koa'

/**
 * Koa middleware serving the RFC 9728 protected resource metadata document at
 * `/.well-known/oauth-protected-resource` (plus the resource's path, RFC 9728 §3.1). Mount it
 * before `requireToken()`: the document is public. Other paths pass through.
 *
 * @example
 * ```ts
 * import { protectedResourceMetadata, requireToken } from '@portcullis/koa'
 * const tokenOptions = { issuer: 'https://id.example.com/', audience: 'https://api.example.com' }
 * app.use(protectedResourceMetadata({ resource: 'https://api.example.com', tokenOptions, scopesSupported: ['orders:read'] }))
 * app.use(requireToken({ ...tokenOptions, resourceMetadata: 'https://api.example.com/.well-known/oauth-protected-resource' }))
 * ```
 */
export function protectedResourceMetadata(options: ProtectedResourceMetadataOptions): Middleware {
  const metadata = createProtectedResourceMetadata(options)
  return async function portcullisProtectedResourceMetadata(ctx: Context, next: Next): Promise<void> {
    if (ctx.path !== metadata.path) return next()
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.status = 405
      ctx.set('Allow', 'GET, HEAD')
      return
    }
    // A public document: any origin may read it (browser-based clients discover the AS with it).
    ctx.set('Cache-Control', 'public, max-age=3600')
    ctx.set('Access-Control-Allow-Origin', '*')
    ctx.type = 'application/json'
    ctx.body = metadata.body
  }
}
