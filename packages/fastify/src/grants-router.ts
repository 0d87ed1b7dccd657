import { createGrantsHttp, readGrantsBody, type GrantService, type GrantsHttpOptions, type GrantsHttpOutput } from '@portcullis/policy'
import { errorBody, isPortcullisError, type RequireTokenOptions } from '@portcullis/core'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Readable } from 'node:stream'
import { requirePolicy, requireScope } from './requirements.js'
import { requireToken } from './require-token.js'

/**
 * Options of {@link grantsRouter}.
 *
 * @example
 * ```ts
 * grantsRouter(grants, { prefix: '/jit', token: { issuer, audience }, scopes: { request: 'jit:request', approve: 'jit:approve' } })
 * ```
 */
export interface GrantsRouterOptions extends GrantsHttpOptions {
  /** How the routes authenticate (`requireToken` options). */
  readonly token: RequireTokenOptions
  /** Scope to request, extend and list one's own grants (default `grants:request`) and to decide (default `grants:approve`). */
  readonly scopes?: { readonly request?: string; readonly approve?: string }
  /** Path prefix of the routes (default `/grants`), under the prefix the plugin is registered with. */
  readonly prefix?: string
}

const JSON_TYPE = 'application/json; charset=utf-8'

/**
 * The just-in-time grants admin routes for Fastify 4 and 5, as a plugin (same routes, checks
 * and answers as the Express and Koa `grantsRouter`): `POST {prefix}/requests`,
 * `GET {prefix}/requests/mine`, `GET {prefix}/requests/approvable`,
 * `GET {prefix}/requests/supervised`, `GET {prefix}/requests/:id`,
 * `POST {prefix}/requests/:id/approve|reject|extend|revoke`, each behind `requireToken`,
 * `requireScope` and `requirePolicy` (the admin policy: who may approve what). Bodies are
 * JSON, read by the routes themselves (the plugin is encapsulated: its body parser and error
 * handler apply to these routes only) and validated with precise 400s; POSTs honour
 * `Idempotency-Key`. Errors of the checks are rendered as JSON; other errors go to the
 * parent's error handler.
 *
 * @example
 * ```ts
 * import { grantsRouter } from '@portcullis/fastify'
 * await app.register(grantsRouter(grants, { token: { issuer, audience } }))
 * ```
 */
export function grantsRouter(service: GrantService, options: GrantsRouterOptions): FastifyPluginAsync {
  const http = createGrantsHttp(service, options)
  const prefix = (options.prefix ?? '/grants').replace(/\/+$/, '')
  const authenticate = requireToken(options.token)
  const request = options.scopes?.request ?? 'grants:request'
  const approve = options.scopes?.approve ?? 'grants:approve'

  const send = (reply: FastifyReply, out: GrantsHttpOutput): FastifyReply => reply.code(out.status).headers({ ...out.headers, 'content-type': JSON_TYPE }).send(JSON.stringify(out.body))
  const header = (value: string | string[] | undefined): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined)

  return async function portcullisGrantsRouter(app) {
    if (!app.hasRequestDecorator('auth')) app.decorateRequest('auth', undefined)
    // The routes read their own bodies (readGrantsBody: size limit, JSON only, precise 400s)
    // instead of Fastify's parser, whose errors would not be the routers' answers.
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', (_request, payload, done) => {
      done(null, payload)
    })
    app.setErrorHandler((error, _request, reply) => {
      // Anything but a refusal of the checks is the application's: its own error handler.
      if (!isPortcullisError(error)) throw error
      return send(reply, { status: error.status, headers: error.headers, body: errorBody(error) })
    })
    for (const route of http.routes) {
      const scopes = route.scopes === 'request' ? requireScope(request) : route.scopes === 'approve' ? requireScope(approve) : requireScope([request, approve], { match: 'any' })
      const policy = requirePolicy(http.policy, {
        action: route.action,
        resourceType: route.path.includes(':id') ? 'grant' : 'grants',
        resource: (req: FastifyRequest) => http.policyResource(route, (req.params as { id?: string }).id, req.auth),
      })
      app.route({
        method: route.method,
        url: `${prefix}${route.path}`,
        preHandler: [authenticate, scopes, policy],
        handler: async (req, reply) => {
          const id = (req.params as { id?: string }).id
          let body: unknown
          if (route.method === 'POST' && req.body !== undefined && req.body !== null) {
            try {
              body = await readGrantsBody(req.body as Readable, header(req.headers['content-type']))
            } catch (failure) {
              return send(reply, renderBodyError(failure))
            }
          }
          const out = await http.handle(route, {
            identity: req.auth,
            id,
            body,
            idempotencyKey: header(req.headers['idempotency-key']),
            context: { method: req.method, path: req.url.split('?')[0] ?? '', sourceIp: req.socket.remoteAddress, correlationId: header(req.headers['x-request-id']), userAgent: header(req.headers['user-agent']) },
          })
          return send(reply, out)
        },
      })
    }
  }
}

function renderBodyError(failure: unknown): GrantsHttpOutput {
  const error = failure as { status?: number; code?: string; message?: string; field?: string }
  return { status: error.status ?? 400, headers: {}, body: { error: error.code ?? 'invalid_input', error_description: error.message ?? 'invalid body', field: error.field ?? '$' } }
}
