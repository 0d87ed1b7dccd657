import type { TLSSocket } from 'node:tls'
import type { PortcullisRequest } from '@portcullis/core'
import type { Context } from 'koa'

/** Translates a Koa context into the core's plain request shape. */
export function toRequest(ctx: Context): PortcullisRequest {
  const socket = ctx.req.socket as TLSSocket | undefined
  const secure = socket?.encrypted === true
  return {
    method: ctx.method,
    url: ctx.originalUrl ?? ctx.url,
    headers: ctx.req.headers,
    rawHeaders: ctx.req.rawHeaders,
    body: (ctx.request as { body?: unknown }).body,
    remoteAddress: socket?.remoteAddress,
    secure,
    // The route template @koa/router matched (for audit), once routing has matched one.
    route: typeof (ctx as { _matchedRoute?: unknown })._matchedRoute === 'string' ? (ctx as unknown as { _matchedRoute: string })._matchedRoute : undefined,
    // RFC 8705: the certificate of the TLS handshake, whether or not its chain was verified
    // (the token binding, not the chain, proves possession: RFC 8705 §6.2). Read lazily: only a
    // certificate-bound token needs it.
    get clientCertificate(): Uint8Array | undefined {
      return secure && typeof socket.getPeerCertificate === 'function' ? (socket.getPeerCertificate().raw as Buffer | undefined) : undefined
    },
  }
}
