import { createGrantsHttp, matchGrantRoute, readGrantsBody, type GrantRoute, type GrantService, type GrantsHttpOptions, type GrantsHttpOutput } from '@portcullis/policy'
import { errorBody, isPortcullisError, type RequireTokenOptions } from '@portcullis/core'
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import { requirePolicy, requireScope } from './requirements.js'
import { requireToken } from './require-token.js'

/**
 * Options of {@link grantsRouter}.
 *
 * @example
 * ```ts
 * grantsRouter(grants, { token: { issuer, audience }, scopes: { request: 'jit:request', approve: 'jit:approve' } })
 * ```
 */
export interface GrantsRouterOptions extends GrantsHttpOptions {
  /** How the routes authenticate (`requireToken` options). */
  readonly token: RequireTokenOptions
  /** Scope to request, extend and list one's own grants (default `grants:request`) and to decide (default `grants:approve`). */
  readonly scopes?: { readonly request?: string; readonly approve?: string }
}

/**
 * The just-in-time grants admin routes for Express, to mount under a prefix:
 * `POST /requests`, `GET /requests/mine`, `GET /requests/approvable`, `GET /requests/supervised` (active grants the caller may revoke), `GET /requests/:id`,
 * `POST /requests/:id/approve|reject|extend|revoke`. Each is protected by `requireToken`,
 * `requireScope` and `requirePolicy` (the admin policy: who may approve what); bodies are
 * JSON, validated with precise 400s; POSTs honour `Idempotency-Key`. Errors are rendered as
 * JSON by the router itself.
 *
 * @example
 * ```ts
 * import { grantsRouter } from '@portcullis/express'
 * app.use('/grants', grantsRouter(grants, { token: { issuer, audience } }))
 * ```
 */
export function grantsRouter(service: GrantService, options: GrantsRouterOptions): RequestHandler {
  const http = createGrantsHttp(service, options)
  const authenticate = requireToken(options.token)
  const request = options.scopes?.request ?? 'grants:request'
  const approve = options.scopes?.approve ?? 'grants:approve'
  const chains = new Map<GrantRoute, RequestHandler[]>()
  for (const route of http.routes) {
    const scopes = route.scopes === 'request' ? requireScope(request) : route.scopes === 'approve' ? requireScope(approve) : requireScope([request, approve], { match: 'any' })
    const policy = requirePolicy(http.policy, {
      action: route.action,
      resourceType: route.path.includes(':id') ? 'grant' : 'grants',
      resource: (req: Request) => http.policyResource(route, (req as Request & { grantId?: string }).grantId, req.auth),
    })
    chains.set(route, [authenticate, scopes, policy])
  }

  const send = (res: Response, out: GrantsHttpOutput): void => {
    res.status(out.status).set(out.headers).send(JSON.stringify(out.body))
  }

  return function portcullisGrantsRouter(req: Request, res: Response, next: NextFunction): void {
    const match = matchGrantRoute(req.method, req.path)
    if (match === undefined) {
      next()
      return
    }
    ;(req as Request & { grantId?: string }).grantId = match.id
    const chain = chains.get(match.route) as RequestHandler[]
    const step = (index: number) => (error?: unknown): void => {
      if (error !== undefined && error !== null) {
        if (!isPortcullisError(error)) return next(error)
        return send(res, { status: error.status, headers: { ...error.headers, 'content-type': 'application/json; charset=utf-8' }, body: errorBody(error) })
      }
      if (index < chain.length) {
        void (chain[index] as RequestHandler)(req, res, step(index + 1))
        return
      }
      void (async () => {
        let body: unknown = req.body as unknown
        if (body === undefined && match.route.method === 'POST') {
          try {
            body = await readGrantsBody(req, req.headers['content-type'])
          } catch (failure) {
            return send(res, renderBodyError(failure))
          }
        }
        send(res, await http.handle(match.route, { identity: req.auth, id: match.id, body, idempotencyKey: req.headers['idempotency-key'], context: { method: req.method, path: req.originalUrl.split('?')[0] ?? '', sourceIp: req.socket.remoteAddress, correlationId: req.get('x-request-id'), userAgent: req.get('user-agent') } }))
      })().catch(next)
    }
    step(0)()
  }
}

function renderBodyError(failure: unknown): GrantsHttpOutput {
  const error = failure as { status?: number; code?: string; message?: string; field?: string }
  return { status: error.status ?? 400, headers: { 'content-type': 'application/json; charset=utf-8' }, body: { error: error.code ?? 'invalid_input', error_description: error.message ?? 'invalid body', field: error.field ?? '$' } }
}
