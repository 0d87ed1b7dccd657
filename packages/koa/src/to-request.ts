import { SocketRequest, type PortcullisRequest } from '@portcullis/core'
import type { Context } from 'koa'

/** Translates a Koa context into the core's plain request shape. */
export function toRequest(ctx: Context): PortcullisRequest {
  const route = (ctx as { _matchedRoute?: unknown })._matchedRoute
  return new SocketRequest(
    ctx.method,
    ctx.originalUrl ?? ctx.url,
    ctx.req.headers,
    ctx.req.rawHeaders,
    (ctx.request as { body?: unknown }).body,
    ctx.req.socket,
    // The route template @koa/router matched (for audit), once routing has matched one.
    typeof route === 'string' ? route : undefined,
  )
}
