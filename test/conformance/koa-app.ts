import type Koa from 'koa'
import type { Context, Middleware } from 'koa'
import type Router from '@koa/router'
import type { bodyParser as BodyParser } from '@koa/bodyparser'
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
} from '@portcullis/koa'
import { identityView, tamper } from './helpers.js'
import { PAYMENTS_STEP_UP } from './policy-fixtures.js'
import type { AdapterUnderTest } from './suite.js'

/** The framework pieces a Koa major is tested with. */
export interface KoaStack {
  Koa: typeof Koa
  Router: typeof Router
  bodyParser: typeof BodyParser
}

/**
 * The conformance app on Koa (2 or 3). Errors are rendered by Koa's default `ctx.onerror`: the
 * outermost middleware only records the error and re-throws it.
 */
export function koaAdapter(name: string, { Koa: KoaApp, Router: KoaRouter, bodyParser }: KoaStack): AdapterUnderTest {
  return {
    name,
    framework: 'koa',
    createApp(tokenOptions, hooks) {
      const app = new KoaApp()
      // Only silences Koa's console logging of 5xx errors; rendering is untouched.
      app.silent = true
      if (hooks.jsonErrors !== undefined) app.use(errorHandler({ onServerError: hooks.jsonErrors.onServerError }))
      app.use(async (_ctx, next) => {
        try {
          await next()
        } catch (error) {
          hooks.onError(error)
          throw error
        }
      })
      // Parsed before requireToken so the RFC 6750 §2.2 body method can see access_token. GET
      // bodies are parsed too, so refusing a GET body token is proven to be the core's job (RFC 6750 §2.2).
      app.use(bodyParser({ enableTypes: ['json', 'form'], parsedMethods: ['GET', 'POST'] }))
      app.use(async (ctx, next) => {
        if (ctx.path === '/boom') throw new Error('not a Portcullis error')
        await next()
      })
      app.use(requireToken(tokenOptions))
      const show: Middleware = (ctx) => {
        ctx.body = identityView(ctx.state.auth)
      }
      const router = new KoaRouter()
      router.get('/me', show)
      router.get('/orders', requireScope('orders:read'), show)
      router.get('/reports', requireScope(['reports:read', 'admin'], { match: 'any' }), show)
      router.post('/form', show)
      app.use(router.routes())
      app.use(router.allowedMethods())
      const listener = app.callback()
      return (req, res) => {
        void listener(req, res)
      }
    },
    createLifecycleApp(tokenOptions, hooks, routes) {
      const app = new KoaApp()
      app.silent = true
      app.use(async (_ctx, next) => {
        try {
          await next()
        } catch (error) {
          hooks.onError(error)
          throw error
        }
      })
      if (routes.metadata !== undefined) app.use(protectedResourceMetadata(routes.metadata))
      app.use(requireToken(tokenOptions))
      const show: Middleware = (ctx) => {
        const auth = ctx.state.auth
        ctx.body = { ...identityView(auth), actor: auth?.actor ?? null, acr: auth?.acr ?? null }
      }
      const router = new KoaRouter()
      router.get('/me', show)
      router.get('/tamper', (ctx) => {
        ctx.body = { changed: tamper(ctx.state.auth) }
      })
      if (routes.stepUp !== undefined) router.get('/step-up', requireAuthentication(routes.stepUp), show)
      app.use(router.routes())
      app.use(router.allowedMethods())
      const listener = app.callback()
      return (req, res) => {
        void listener(req, res)
      }
    },
    createPolicyApp({ tokenOptions, engine, load }, hooks) {
      const app = new KoaApp()
      app.silent = true
      if (hooks.jsonErrors !== undefined) app.use(errorHandler({ onServerError: hooks.jsonErrors.onServerError }))
      app.use(async (_ctx, next) => {
        try {
          await next()
        } catch (error) {
          hooks.onError(error)
          throw error
        }
      })
      const idOf = (ctx: Context): string => String((ctx as Context & { params: Record<string, string> }).params['id'])
      const resource = (ctx: Context): unknown => load(idOf(ctx))
      const read = { action: 'read', resourceType: 'document', resource }
      const update = { action: 'update', resourceType: 'document', resource }
      const answer = (ctx: Context, by: string): void => {
        ctx.body = { id: idOf(ctx), subject: ctx.state.auth?.subject ?? null, by }
      }
      class PaymentsController {
        readonly label = 'payments-controller'

        @RequireAuthentication(PAYMENTS_STEP_UP)
        pay(ctx: Context): void {
          answer(ctx, this.label)
        }

        @RequireScope('payments:write')
        @RequireAuthentication(PAYMENTS_STEP_UP)
        async refund(ctx: Context): Promise<void> {
          await Promise.resolve()
          answer(ctx, this.label)
        }
      }
      const payments = new PaymentsController()
      const open = new KoaRouter()
      open.get('/public/docs/:id', requirePolicy(engine, read), (ctx) => answer(ctx, 'route'))
      open.get('/public/ctrl/pay/:id', payments.pay)
      app.use(open.routes())
      app.use(requireToken(tokenOptions))

      class DocumentsController {
        readonly label = 'documents-controller'

        @Authorize(engine, read)
        show(ctx: Context): void {
          answer(ctx, this.label)
        }

        @RequireScope('documents:write')
        @Authorize(engine, update)
        async update(ctx: Context): Promise<void> {
          await Promise.resolve()
          answer(ctx, this.label)
        }

        @Authorize(engine, update)
        @RequireScope('documents:write')
        reversed(ctx: Context): void {
          answer(ctx, this.label)
        }

        @RequireScope('documents:read')
        async broken(_ctx: Context): Promise<void> {
          await Promise.resolve()
          throw new Error(`${this.label} failed`)
        }
      }
      const controller = new DocumentsController()
      const router = new KoaRouter()
      router.get('/docs/:id', requirePolicy(engine, read), (ctx) => answer(ctx, 'route'))
      router.get('/ctrl/docs/:id', controller.show)
      router.put('/ctrl/docs/:id', controller.update)
      router.put('/ctrl/reversed/:id', controller.reversed)
      router.get('/ctrl/broken/:id', controller.broken)
      router.get('/ctrl/pay/:id', payments.pay)
      router.put('/ctrl/refund/:id', payments.refund)
      app.use(router.routes())
      app.use(router.allowedMethods())
      const listener = app.callback()
      return (req, res) => {
        void listener(req, res)
      }
    },
    createRateLimitApp(tokenOptions, hooks, clock) {
      const app = new KoaApp()
      app.silent = true
      app.use(errorHandler({ onServerError: hooks.jsonErrors?.onServerError ?? (() => undefined) }))
      app.use(async (_ctx, next) => {
        try {
          await next()
        } catch (error) {
          hooks.onError(error)
          throw error
        }
      })
      app.use(requireToken(tokenOptions))
      const show: Middleware = (ctx) => {
        ctx.body = identityView(ctx.state.auth)
      }
      const proxies = ['127.0.0.1', '::1']
      const tiers = [{ when: { scope: 'tier:pro' }, points: 3, duration: 60, name: 'pro' }, { points: 1, duration: 60 }]
      class RateLimitController {
        readonly label = 'rate-limit-controller'

        @RateLimit({ points: 1, duration: 30, clock })
        show(ctx: Context): void {
          ctx.body = { subject: ctx.state.auth?.subject ?? null, by: this.label }
        }
      }
      const router = new KoaRouter()
      router.get('/rl/subject', rateLimit({ points: 2, duration: 60, clock }), show)
      router.get('/rl/direct', rateLimit({ key: 'ip', points: 1, duration: 60, clock }), show)
      router.get('/rl/proxied', rateLimit({ key: 'ip', points: 1, duration: 60, trustedProxies: proxies, clock }), show)
      router.get('/rl/tiers', rateLimit({ tiers, clock }), show)
      router.get('/rl/ctrl', new RateLimitController().show)
      app.use(router.routes())
      app.use(router.allowedMethods())
      const listener = app.callback()
      return (req, res) => {
        void listener(req, res)
      }
    },
  }
}
