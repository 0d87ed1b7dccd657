import type { PortcullisRequest } from '@portcullis/core'
import type { Request } from 'express'

/** Translates an Express request into the core's plain request shape. */
export function toRequest(req: Request): PortcullisRequest {
  return {
    method: req.method,
    url: req.originalUrl ?? req.url,
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    body: req.body as unknown,
    remoteAddress: req.socket?.remoteAddress,
  }
}
