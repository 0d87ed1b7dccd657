import { createGrantsHttp, matchGrantRoute, readGrantsBody, type GrantRoute, type GrantService, type GrantsHttpOptions, type GrantsHttpOutput } from '@portcullis/policy'
import { errorBody, isPortcullisError, type RequireTokenOptions } from '@portcullis/core'
import type { Context, Middleware, Next } from 'koa'
import { requirePolicy, requireScope } from './requirements.js'
import { requireToken } from './require-token.js'

/**
 * Options of {@link grantsRouter}.
 *
 * @example
 * ```ts
 * grantsRouter(grants, { prefix: '/jit', token: { issuer, audience } })
 * ```
 */
export interface GrantsRouterOptions extends GrantsHttpOptions {
  /** How the routes authenticate (`requireToken` options). */
  readonly token: RequireTokenOptions
  /** Scope to request, extend and list one's own grants (default `grants:request`) and to decide (default `grants:approve`). */
  readonly scopes?: { readonly request?: string; readonly approve?: string }
  /** Path prefix of the routes (default `/grants`). */
  readonly prefix?: string
}

/**
 * The just-in-time grants admin routes for Koa (same routes, checks and answers as the
 * Express `grantsRouter`): `POST {prefix}/requests`, `GET {prefix}/requests/mine`,
 * `GET {prefix}/requests/approvable`, `GET {prefix}/requests/supervised`, `GET {prefix}/requests/:id`,
 * `POST {prefix}/requests/:id/approve|reject|extend|revoke`, each behind `requireToken`,
 * `requireScope` and `requirePolicy`.
 *
 * @example
 * ```ts
 * import { grantsRouter } from '@portcullis/koa'
 * app.use(grantsRouter(grants, { token: { issuer, audience } }))
 * ```
 */
export function grantsRouter(service: GrantService, options: GrantsRouterOptions): Middleware {
  const http = createGrantsHttp(service, options)
  const prefix = (options.prefix ?? '/grants').replace(/\/+$/, '')
  const authenticate = requireToken(options.token)
  const request = options.scopes?.request ?? 'grants:request'
  const approve = options.scopes?.approve ?? 'grants:approve'
  const chains = new Map<GrantRoute, Middleware[]>()
  for (const route of http.routes) {
    const scopes = route.scopes === 'request' ? requireScope(request) : route.scopes === 'approve' ? requireScope(approve) : requireScope([request, approve], { match: 'any' })
    const policy = requirePolicy(http.policy, {
      action: route.action,
      resourceType: route.path.includes(':id') ? 'grant' : 'grants',
      resource: (ctx: Context) => http.policyResource(route, ctx.state.grantId as string | undefined, ctx.state.auth),
    })
    chains.set(route, [authenticate, scopes, policy])
  }

  const send = (ctx: Context, out: GrantsHttpOutput): void => {
    ctx.status = out.status
    ctx.set(out.headers as Record<string, string>)
    ctx.body = JSON.stringify(out.body)
    ctx.type = 'application/json'
  }

  return async function portcullisGrantsRouter(ctx: Context, next: Next): Promise<void> {
    const path = ctx.path
    const match = path === prefix || path.startsWith(`${prefix}/`) ? matchGrantRoute(ctx.method, path.slice(prefix.length)) : undefined
    if (match === undefined) return next()
    ctx.state.grantId = match.id
    const chain = chains.get(match.route) as Middleware[]
    const final = async (): Promise<void> => {
      let body = (ctx.request as { body?: unknown }).body
      if (body === undefined && match.route.method === 'POST') {
        try {
          body = await readGrantsBody(ctx.req, ctx.get('content-type') || undefined)
        } catch (failure) {
          const error = failure as { status?: number; code?: string; message?: string; field?: string }
          return send(ctx, { status: error.status ?? 400, headers: {}, body: { error: error.code ?? 'invalid_input', error_description: error.message ?? 'invalid body', field: error.field ?? '$' } })
        }
      }
      const key = ctx.get('idempotency-key')
      send(ctx, await http.handle(match.route, { identity: ctx.state.auth, id: match.id, body, idempotencyKey: key === '' ? undefined : key, context: { method: ctx.method, path, sourceIp: ctx.req.socket.remoteAddress, correlationId: ctx.get('x-request-id') || undefined, userAgent: ctx.get('user-agent') || undefined } }))
    }
    const run = (index: number): Promise<void> => (index < chain.length ? Promise.resolve((chain[index] as Middleware)(ctx, () => run(index + 1))) : final())
    try {
      await run(0)
    } catch (error) {
      if (!isPortcullisError(error)) throw error
      send(ctx, { status: error.status, headers: error.headers, body: errorBody(error) })
    }
  }
}
