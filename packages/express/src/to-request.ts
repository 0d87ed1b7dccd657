import type { TLSSocket } from 'node:tls'
import type { PortcullisRequest } from '@portcullis/core'
import type { Request } from 'express'

/** Translates an Express request into the core's plain request shape. */
export function toRequest(req: Request): PortcullisRequest {
  const socket = req.socket as TLSSocket | undefined
  const secure = socket?.encrypted === true
  return {
    method: req.method,
    url: req.originalUrl ?? req.url,
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    body: req.body as unknown,
    remoteAddress: socket?.remoteAddress,
    secure,
    // The matched route template (for audit), once routing has matched one.
    route: typeof (req.route as { path?: unknown } | undefined)?.path === 'string' ? `${req.baseUrl ?? ''}${(req.route as { path: string }).path}` : undefined,
    // RFC 8705: the certificate of the TLS handshake, whether or not its chain was verified
    // (the token binding, not the chain, proves possession: RFC 8705 §6.2). Read lazily: only a
    // certificate-bound token needs it.
    get clientCertificate(): Uint8Array | undefined {
      return secure && typeof socket.getPeerCertificate === 'function' ? (socket.getPeerCertificate().raw as Buffer | undefined) : undefined
    },
  }
}
