import express, { type Express } from 'express'
import { errorHandler, requireScope, requireToken, type PolicyEngine, type PortcullisMiddleware } from '@portcullis/express'
import { createApp } from './app.js'
import { createDocumentsApp } from './documents.js'
import { SettingsController } from './settings-controller.js'

/** What `npm start` serves, and its authenticator (await `auth.ready()` before listening). */
export interface DemoApp {
  readonly app: Express
  readonly auth: PortcullisMiddleware
}

/**
 * The whole product on one Express app, sharing one authenticator: `/health` (public, from
 * `auth.health()`), the orders API (scopes), the documents API (policies, decision ids), a
 * decorated controller (`/settings`, with a step-up route) and `/decisions/:id`, which shows a
 * decision's explanation.
 *
 * `/decisions/:id` is for this demo only: an explanation names rules, attributes and risk
 * factors, which help an attacker probe the policy. In production, explanations go to the
 * audit log (`explanation` of `authz_fail` events) or to an operator tool, never to clients.
 */
export function createDemoApp(options: { issuer: string; audience: string; engine: PolicyEngine }): DemoApp {
  const auth = requireToken({ issuer: options.issuer, audience: options.audience })
  const app = express()
  app.disable('x-powered-by')

  // Public, before any requireToken: 503 when no issuer has usable keys (a load balancer drains it).
  app.get('/health', (_req, res) => {
    const health = auth.health()
    res.status(health.status === 'down' ? 503 : 200).json(health)
  })

  app.use(auth)
  // Decorated methods are bound to their instance: pass them to the router as they are.
  const settings = new SettingsController()
  app.get('/settings', settings.show)
  app.delete('/settings/sessions', settings.signOutEverywhere)
  // Demo only (see above): shows why a decision was taken.
  app.get('/decisions/:id', requireScope('decisions:read'), (req, res) => {
    const explanation = options.engine.explain(String(req.params['id']))
    if (explanation === undefined) res.status(404).json({ error: 'unknown or expired decision id' })
    else res.json(explanation)
  })
  app.use(createDocumentsApp(auth, options.engine))
  app.use(createApp(auth))
  app.use(errorHandler())
  return { app, auth }
}
