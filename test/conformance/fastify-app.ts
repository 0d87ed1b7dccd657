import http from 'node:http'
import { parse as parseForm } from 'node:querystring'
import type Fastify from 'fastify'
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify'
import {
  Authorize,
  errorHandler,
  protectedResourceMetadata,
  RateLimit,
  rateLimit,
  RequireAuthentication,
  requireAuthentication,
  requirePolicy,
  RequireScope,
  requireScope,
  requireToken,
} from '@portcullis/fastify'
import { identityView, tamper } from './helpers.js'
import { PAYMENTS_STEP_UP } from './policy-fixtures.js'
import type { AppHooks, AdapterUnderTest } from './suite.js'

type ById = FastifyRequest<{ Params: { id: string } }>

/**
 * A Fastify instance whose routing is served by the suite's own server (plain or TLS): Fastify
 * hands its request handler to `serverFactory`, and the listener waits for `ready()` (plugins
 * loaded, routes built) before the first request reaches it.
 */
function build(fastify: typeof Fastify): { app: FastifyInstance; listener(): http.RequestListener } {
  let handler: http.RequestListener | undefined
  const app = fastify({
    serverFactory: (routing) => {
      handler = routing
      return http.createServer()
    },
  }) as unknown as FastifyInstance
  return {
    app,
    listener() {
      const ready = app.ready()
      return (req, res) => {
        ready.then(
          () => (handler as http.RequestListener)(req, res),
          (error: unknown) => {
            res.statusCode = 500
            res.end(String(error))
          },
        )
      }
    },
  }
}

/**
 * Errors are rendered by Fastify's default error handler unless `hooks.jsonErrors` asks for
 * `errorHandler()`; an `onError` hook (it runs before the error handler and cannot change the
 * answer) records them.
 */
function handleErrors(app: FastifyInstance, hooks: AppHooks): void {
  app.addHook('onError', (_request, _reply, error, done) => {
    hooks.onError(error)
    done()
  })
  if (hooks.jsonErrors !== undefined) app.setErrorHandler(errorHandler({ onServerError: hooks.jsonErrors.onServerError }))
}

/**
 * The conformance app on Fastify (4 or 5, given as `fastify`). Errors are rendered by Fastify's
 * default error handler: it honours the error's `status` and `headers` and answers a JSON body
 * `{ statusCode, code, error, message }`.
 */
export function fastifyAdapter(name: string, fastify: typeof Fastify): AdapterUnderTest {
  return {
    name,
    framework: 'fastify',
    createApp(tokenOptions, hooks) {
      const { app, listener } = build(fastify)
      handleErrors(app, hooks)
      // Form bodies for the RFC 6750 §2.2 body method (Fastify parses JSON only), decoded like
      // Express's urlencoded parser: a repeated name gives an array. Fastify never parses GET
      // bodies, so a GET body token cannot reach the core at all.
      app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
        done(null, parseForm(body as string))
      })
      app.addHook('onRequest', (request, _reply, done) => {
        if (request.url === '/boom') done(new Error('not a Portcullis error'))
        else done()
      })
      // A preHandler hook: the body is parsed by then.
      app.addHook('preHandler', requireToken(tokenOptions))
      const show: RouteHandlerMethod = (request) => identityView(request.auth)
      app.get('/me', show)
      app.get('/orders', { preHandler: requireScope('orders:read') }, show)
      app.get('/reports', { preHandler: requireScope(['reports:read', 'admin'], { match: 'any' }) }, show)
      app.post('/form', show)
      return listener()
    },
    createLifecycleApp(tokenOptions, hooks, routes) {
      const { app, listener } = build(fastify)
      handleErrors(app, hooks)
      if (routes.metadata !== undefined) app.addHook('onRequest', protectedResourceMetadata(routes.metadata))
      app.addHook('preHandler', requireToken(tokenOptions))
      const show: RouteHandlerMethod = (request) => ({ ...identityView(request.auth), actor: request.auth?.actor ?? null, acr: request.auth?.acr ?? null })
      app.get('/me', show)
      app.get('/tamper', (request) => ({ changed: tamper(request.auth) }))
      if (routes.stepUp !== undefined) app.get('/step-up', { preHandler: requireAuthentication(routes.stepUp) }, show)
      return listener()
    },
    createPolicyApp({ tokenOptions, engine, load }, hooks) {
      const { app, listener } = build(fastify)
      handleErrors(app, hooks)
      const resource = (request: ById): unknown => load(request.params.id)
      const read = { action: 'read', resourceType: 'document', resource }
      const update = { action: 'update', resourceType: 'document', resource }
      const answer = (request: ById, reply: FastifyReply, by: string): void => {
        void reply.send({ id: request.params.id, subject: request.auth?.subject ?? null, by })
      }
      class PaymentsController {
        readonly label = 'payments-controller'

        @RequireAuthentication(PAYMENTS_STEP_UP)
        pay(request: ById, reply: FastifyReply): void {
          answer(request, reply, this.label)
        }

        @RequireScope('payments:write')
        @RequireAuthentication(PAYMENTS_STEP_UP)
        async refund(request: ById, reply: FastifyReply): Promise<void> {
          await Promise.resolve()
          answer(request, reply, this.label)
        }
      }
      class DocumentsController {
        readonly label = 'documents-controller'

        @Authorize(engine, read)
        show(request: ById, reply: FastifyReply): void {
          answer(request, reply, this.label)
        }

        @RequireScope('documents:write')
        @Authorize(engine, update)
        async update(request: ById, reply: FastifyReply): Promise<void> {
          await Promise.resolve()
          answer(request, reply, this.label)
        }

        @Authorize(engine, update)
        @RequireScope('documents:write')
        reversed(request: ById, reply: FastifyReply): void {
          answer(request, reply, this.label)
        }

        @RequireScope('documents:read')
        async broken(_request: ById, _reply: FastifyReply): Promise<void> {
          await Promise.resolve()
          throw new Error(`${this.label} failed`)
        }
      }
      const payments = new PaymentsController()
      const controller = new DocumentsController()
      // Hooks of a Fastify instance apply to all of its routes, whatever the order: the public
      // routes live in one encapsulated child, the authenticated ones in another.
      void app.register((open, _options, done) => {
        open.get<{ Params: { id: string } }>('/public/docs/:id', { preHandler: requirePolicy(engine, read) }, (request, reply) => answer(request, reply, 'route'))
        open.get('/public/ctrl/pay/:id', payments.pay)
        done()
      })
      void app.register((secured, _options, done) => {
        secured.addHook('preHandler', requireToken(tokenOptions))
        secured.get<{ Params: { id: string } }>('/docs/:id', { preHandler: requirePolicy(engine, read) }, (request, reply) => answer(request, reply, 'route'))
        secured.get('/ctrl/docs/:id', controller.show)
        secured.put('/ctrl/docs/:id', controller.update)
        secured.put('/ctrl/reversed/:id', controller.reversed)
        secured.get('/ctrl/broken/:id', controller.broken)
        secured.get('/ctrl/pay/:id', payments.pay)
        secured.put('/ctrl/refund/:id', payments.refund)
        done()
      })
      return listener()
    },
    createRateLimitApp(tokenOptions, hooks, clock) {
      const { app, listener } = build(fastify)
      handleErrors(app, { ...hooks, jsonErrors: { onServerError: hooks.jsonErrors?.onServerError ?? (() => undefined) } })
      app.addHook('preHandler', requireToken(tokenOptions))
      const show: RouteHandlerMethod = (request) => identityView(request.auth)
      const proxies = ['127.0.0.1', '::1']
      app.get('/rl/subject', { preHandler: rateLimit({ points: 2, duration: 60, clock }) }, show)
      app.get('/rl/direct', { preHandler: rateLimit({ key: 'ip', points: 1, duration: 60, clock }) }, show)
      app.get('/rl/proxied', { preHandler: rateLimit({ key: 'ip', points: 1, duration: 60, trustedProxies: proxies, clock }) }, show)
      const tiers = [{ when: { scope: 'tier:pro' }, points: 3, duration: 60, name: 'pro' }, { points: 1, duration: 60 }]
      app.get('/rl/tiers', { preHandler: rateLimit({ tiers, clock }) }, show)
      class RateLimitController {
        readonly label = 'rate-limit-controller'

        @RateLimit({ points: 1, duration: 30, clock })
        show(request: FastifyRequest, reply: FastifyReply): void {
          void reply.send({ subject: request.auth?.subject ?? null, by: this.label })
        }
      }
      app.get('/rl/ctrl', new RateLimitController().show)
      return listener()
    },
  }
}
