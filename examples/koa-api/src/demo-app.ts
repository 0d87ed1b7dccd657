import type { IncomingMessage, ServerResponse } from 'node:http'
import Koa from 'koa'
import Router from '@koa/router'
import { errorHandler, requireScope, requireToken, type PolicyEngine, type PortcullisMiddleware } from '@portcullis/koa'
import { createApp } from './app.js'
import { createDocumentsApp } from './documents.js'
import { SettingsController } from './settings-controller.js'

/** What `npm start` serves, and its authenticator (await `auth.ready()` before listening). */
export interface DemoApp {
  /** The request listener for `http.createServer()`. */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void
  readonly auth: PortcullisMiddleware
}

/**
 * The whole product, sharing one authenticator: `/health` (public, from `auth.health()`), the
 * orders API (scopes), the documents API (policies through a decorated controller, decision
 * ids), the `/settings` controller with a step-up route, and `/decisions/:id`, which shows a
 * decision's explanation. The three Koa apps are chosen by path.
 *
 * `/decisions/:id` is for this demo only: an explanation names rules, attributes and risk
 * factors, which help an attacker probe the policy. In production, explanations go to the
 * audit log (`explanation` of `authz_fail` events) or to an operator tool, never to clients.
 */
export function createDemoApp(options: { issuer: string; audience: string; engine: PolicyEngine }): DemoApp {
  const auth = requireToken({ issuer: options.issuer, audience: options.audience })
  const main = new Koa()
  const router = new Router()
  main.use(errorHandler())
  // Public, before requireToken: 503 when no issuer has usable keys (a load balancer drains it).
  main.use(async (ctx, next) => {
    if (ctx.method !== 'GET' || ctx.path !== '/health') return next()
    const health = auth.health()
    ctx.status = health.status === 'down' ? 503 : 200
    ctx.body = health
  })
  main.use(auth)
  // Decorated methods are bound to their instance: pass them to the router as they are.
  const settings = new SettingsController()
  router.get('/settings', settings.show)
  router.delete('/settings/sessions', settings.signOutEverywhere)
  // Demo only (see above): shows why a decision was taken.
  router.get('/decisions/:id', requireScope('decisions:read'), (ctx) => {
    const explanation = options.engine.explain(ctx.params['id'] ?? '')
    ctx.status = explanation === undefined ? 404 : 200
    ctx.body = explanation ?? { error: 'unknown or expired decision id' }
  })
  main.use(router.routes())
  main.use(router.allowedMethods())

  const documents = createDocumentsApp(auth, options.engine).callback()
  const orders = createApp(auth).callback()
  const rest = main.callback()
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0] as string
    if (path.startsWith('/documents/')) void documents(req, res)
    else if (path === '/orders' || path.startsWith('/orders/') || path === '/me') void orders(req, res)
    else void rest(req, res)
  }
  return { handle, auth }
}
