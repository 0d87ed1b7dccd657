/**
 * Type tests of @portcullis/fastify, checked by `npm run typecheck`, never run. Each
 * `@ts-expect-error` fails the type-check if the misuse stops being an error.
 */
import type https from 'node:https'
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify'
import type { Context } from 'koa'
import { createPolicyEngine, permit, policy } from '@portcullis/policy'
import {
  Authorize,
  errorHandler,
  portcullis,
  protectedResourceMetadata,
  RequireAuthentication,
  requirePolicy,
  RequireScope,
  requireScope,
  requireToken,
} from '@portcullis/fastify'

const engine = createPolicyEngine(policy({ id: 'docs', rules: [permit('all')] }))
type ById = FastifyRequest<{ Params: { id: string } }>
const tokenOptions = { issuer: 'https://id.example.com/', audience: 'https://api.example.com' }

export function auth(request: FastifyRequest): string | undefined {
  // @ts-expect-error the identity is read-only
  if (request.auth) request.auth.subject = 'mallory'
  return request.auth?.subject
}

const app = Fastify()
app.addHook('preHandler', requireToken(tokenOptions))
app.addHook('onRequest', requireToken(tokenOptions))
app.addHook('onRequest', protectedResourceMetadata({ resource: 'https://api.example.com', tokenOptions }))
app.setErrorHandler(errorHandler({ onServerError: (error, request) => request.log.error(error) }))
void app.register(portcullis, { token: tokenOptions, errorHandler: { onServerError: () => undefined } })
void app.register(portcullis, { errorHandler: false })
// @ts-expect-error token options need issuer and audience
void app.register(portcullis, { token: { issuer: 'https://id.example.com/' } })
// A hook typed for a plain request fits a route with typed params, and an HTTPS instance.
app.get<{ Params: { id: string } }>('/docs/:id', { preHandler: [requireScope('docs:read'), requirePolicy(engine, { action: 'read', resource: (r: ById) => r.params.id })] }, (request) => request.params.id)
Fastify({ https: {} as https.ServerOptions }).addHook('preHandler', requireScope('a'))
// @ts-expect-error a Fastify loader receives the request, not a Koa context
export const wrongInput = requirePolicy(engine, { action: 'read', resource: (ctx: Context) => ctx.path })
// @ts-expect-error match is 'all' or 'any'
requireScope('a', { match: 'some' })

export class DocumentsController {
  @RequireScope('documents:write')
  @Authorize(engine, { action: 'update', resource: (request: ById) => request.params.id })
  async update(request: ById, reply: FastifyReply): Promise<void> {
    await reply.code(204).send(request.auth?.subject)
  }

  @RequireAuthentication({ acr: ['urn:example:mfa'], maxAge: 300 })
  show(request: FastifyRequest): unknown {
    return { subject: request.auth?.subject }
  }

  // @ts-expect-error a Fastify decorator on a Koa-style method
  @RequireScope('documents:read')
  koaStyle(ctx: Context): void {
    void ctx
  }
}
const controller = new DocumentsController()
app.put('/docs/:id', controller.update)
app.get('/docs/:id/show', controller.show)
