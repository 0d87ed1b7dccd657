import type { PortcullisRequest } from '@portcullis/core'
import type { Context } from 'koa'

/** Translates a Koa context into the core's plain request shape. */
export function toRequest(ctx: Context): PortcullisRequest {
  return {
    method: ctx.method,
    url: ctx.originalUrl ?? ctx.url,
    headers: ctx.req.headers,
    rawHeaders: ctx.req.rawHeaders,
    body: (ctx.request as { body?: unknown }).body,
    remoteAddress: ctx.req.socket?.remoteAddress,
  }
}
