import type { TLSSocket } from 'node:tls'
import type { PortcullisRequest } from '@portcullis/core'
import type { FastifyRequest } from 'fastify'

/** Translates a Fastify request into the core's plain request shape. */
export function toRequest(request: FastifyRequest): PortcullisRequest {
  const raw = request.raw
  const socket = raw.socket as TLSSocket | undefined
  const secure = socket?.encrypted === true
  return {
    method: request.method,
    // The URL as received (path and query), before any `rewriteUrl`: what a DPoP proof signs.
    url: request.originalUrl,
    headers: raw.headers,
    rawHeaders: raw.rawHeaders,
    body: request.body,
    remoteAddress: socket?.remoteAddress,
    secure,
    // RFC 8705: the certificate of the TLS handshake, whether or not its chain was verified
    // (the token binding, not the chain, proves possession: RFC 8705 §6.2). Read lazily: only a
    // certificate-bound token needs it.
    get clientCertificate(): Uint8Array | undefined {
      return secure && typeof socket.getPeerCertificate === 'function' ? (socket.getPeerCertificate().raw as Buffer | undefined) : undefined
    },
  }
}
