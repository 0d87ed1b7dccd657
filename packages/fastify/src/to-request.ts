import { SocketRequest, type PortcullisRequest } from '@portcullis/core'
import type { FastifyRequest } from 'fastify'

/** Translates a Fastify request into the core's plain request shape. */
export function toRequest(request: FastifyRequest): PortcullisRequest {
  const raw = request.raw
  return new SocketRequest(
    request.method,
    // The URL as received (path and query), before any `rewriteUrl`: what a DPoP proof signs.
    request.originalUrl,
    raw.headers,
    raw.rawHeaders,
    request.body,
    raw.socket,
  )
}
