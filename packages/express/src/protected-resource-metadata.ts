import { createProtectedResourceMetadata, type ProtectedResourceMetadataOptions } from '@portcullis/core'
import type { NextFunction, Request, RequestHandler, Response } from 'express'

/**
 * Express middleware serving the RFC 9728 protected resource metadata document at
 * `/.well-known/oauth-protected-resource` (plus the resource's path, RFC 9728 §3.1). Mount it
 * before `requireToken()`: the document is public. Other paths pass through.
 *
 * @example
 * ```ts
 * import { protectedResourceMetadata, requireToken } from '@portcullis/express'
 * const tokenOptions = { issuer: 'https://id.example.com/', audience: 'https://api.example.com' }
 * app.use(protectedResourceMetadata({ resource: 'https://api.example.com', tokenOptions, scopesSupported: ['orders:read'] }))
 * app.use(requireToken({ ...tokenOptions, resourceMetadata: 'https://api.example.com/.well-known/oauth-protected-resource' }))
 * ```
 */
export function protectedResourceMetadata(options: ProtectedResourceMetadataOptions): RequestHandler {
  const metadata = createProtectedResourceMetadata(options)
  return function portcullisProtectedResourceMetadata(req: Request, res: Response, next: NextFunction): void {
    const url = req.originalUrl ?? req.url
    const query = url.indexOf('?')
    if ((query === -1 ? url : url.slice(0, query)) !== metadata.path) return next()
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.status(405).set('Allow', 'GET, HEAD').end()
      return
    }
    // A public document: any origin may read it (browser-based clients discover the AS with it).
    res.status(200).set({
      'Content-Type': 'application/json',
      'Cache-Control': 'public, max-age=3600',
      'Access-Control-Allow-Origin': '*',
    })
    res.end(req.method === 'HEAD' ? undefined : metadata.body)
  }
}
