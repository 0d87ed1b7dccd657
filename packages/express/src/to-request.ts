import { SocketRequest } from '@portcullis/core'
import type { Request } from 'express'

/**
 * An Express request in the core's shape. `body` and `route` are read only when asked for:
 * most requests need neither, and a property an Express request lacks is a slow lookup (each
 * request has its own prototype).
 */
class ExpressRequest extends SocketRequest {
  readonly #req: Request

  constructor(req: Request) {
    super(req.method, req.originalUrl ?? req.url, req.headers, req.rawHeaders, undefined, req.socket)
    this.#req = req
  }

  override get body(): unknown {
    return this.#req.body as unknown
  }

  /** The matched route template (for audit), once routing has matched one. */
  override get route(): string | undefined {
    const path = (this.#req.route as { path?: unknown } | undefined)?.path
    return typeof path === 'string' ? `${this.#req.baseUrl ?? ''}${path}` : undefined
  }
}

/** Translates an Express request into the core's plain request shape. */
export function toRequest(req: Request): ExpressRequest {
  return new ExpressRequest(req)
}
