import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express'
import type Express from 'express'
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
} from '@portcullis/express'
import { identityView, tamper } from './helpers.js'
import { PAYMENTS_STEP_UP } from './policy-fixtures.js'
import type { AdapterUnderTest } from './suite.js'

/**
 * The conformance app on Express (4 or 5, given as `express`). Errors are rendered by Express's
 * default handler (finalhandler): the only error middleware records the error and passes it on.
 */
export function expressAdapter(name: string, express: typeof Express): AdapterUnderTest {
  return {
    name,
    framework: 'express',
    createApp(tokenOptions, hooks) {
      const app = express()
      app.disable('x-powered-by')
      // Parsed before requireToken so the RFC 6750 §2.2 body method can see access_token. Bodies
      // are parsed for every method: refusing a GET body token is then the core's job (RFC 6750 §2.2).
      app.use(express.urlencoded({ extended: false }))
      app.use(express.json())
      app.get('/boom', () => {
        throw new Error('not a Portcullis error')
      })
      app.use(requireToken(tokenOptions))
      const show: RequestHandler = (req, res) => {
        res.json(identityView(req.auth))
      }
      app.get('/me', show)
      app.get('/orders', requireScope('orders:read'), show)
      app.get('/reports', requireScope(['reports:read', 'admin'], { match: 'any' }), show)
      app.post('/form', show)
      const record: ErrorRequestHandler = (err, _req, _res, next) => {
        hooks.onError(err)
        next(err)
      }
      app.use(record)
      if (hooks.jsonErrors !== undefined) app.use(errorHandler({ onServerError: hooks.jsonErrors.onServerError }))
      return app
    },
    createLifecycleApp(tokenOptions, hooks, routes) {
      const app = express()
      app.disable('x-powered-by')
      if (routes.metadata !== undefined) app.use(protectedResourceMetadata(routes.metadata))
      app.use(requireToken(tokenOptions))
      const show: RequestHandler = (req, res) => {
        res.json({ ...identityView(req.auth), actor: req.auth?.actor ?? null, acr: req.auth?.acr ?? null })
      }
      app.get('/me', show)
      app.get('/tamper', (req, res) => res.json({ changed: tamper(req.auth) }))
      if (routes.stepUp !== undefined) app.get('/step-up', requireAuthentication(routes.stepUp), show)
      const record: ErrorRequestHandler = (err, _req, _res, next) => {
        hooks.onError(err)
        next(err)
      }
      app.use(record)
      return app
    },
    createPolicyApp({ tokenOptions, engine, load }, hooks) {
      const app = express()
      app.disable('x-powered-by')
      const resource = (req: Request): unknown => load(String(req.params['id']))
      const read = { action: 'read', resourceType: 'document', resource }
      const update = { action: 'update', resourceType: 'document', resource }
      const answer = (req: Request, res: Response, by: string): void => {
        res.json({ id: req.params['id'], subject: req.auth?.subject ?? null, by })
      }
      class PaymentsController {
        readonly label = 'payments-controller'

        @RequireAuthentication(PAYMENTS_STEP_UP)
        pay(req: Request, res: Response): void {
          answer(req, res, this.label)
        }

        @RequireScope('payments:write')
        @RequireAuthentication(PAYMENTS_STEP_UP)
        async refund(req: Request, res: Response): Promise<void> {
          await Promise.resolve()
          answer(req, res, this.label)
        }
      }
      const payments = new PaymentsController()
      app.get('/public/docs/:id', requirePolicy(engine, read), (req, res) => answer(req, res, 'route'))
      app.get('/public/ctrl/pay/:id', payments.pay)
      app.use(requireToken(tokenOptions))
      app.get('/docs/:id', requirePolicy(engine, read), (req, res) => answer(req, res, 'route'))

      class DocumentsController {
        readonly label = 'documents-controller'

        @Authorize(engine, read)
        show(req: Request, res: Response): void {
          answer(req, res, this.label)
        }

        @RequireScope('documents:write')
        @Authorize(engine, update)
        async update(req: Request, res: Response): Promise<void> {
          await Promise.resolve()
          answer(req, res, this.label)
        }

        @Authorize(engine, update)
        @RequireScope('documents:write')
        reversed(req: Request, res: Response): void {
          answer(req, res, this.label)
        }

        @RequireScope('documents:read')
        async broken(_req: Request, _res: Response): Promise<void> {
          await Promise.resolve()
          throw new Error(`${this.label} failed`)
        }
      }
      const controller = new DocumentsController()
      app.get('/ctrl/docs/:id', controller.show)
      app.put('/ctrl/docs/:id', controller.update)
      app.put('/ctrl/reversed/:id', controller.reversed)
      app.get('/ctrl/broken/:id', controller.broken)
      app.get('/ctrl/pay/:id', payments.pay)
      app.put('/ctrl/refund/:id', payments.refund)

      const record: ErrorRequestHandler = (err, _req, _res, next) => {
        hooks.onError(err)
        next(err)
      }
      app.use(record)
      if (hooks.jsonErrors !== undefined) app.use(errorHandler({ onServerError: hooks.jsonErrors.onServerError }))
      return app
    },
    createRateLimitApp(tokenOptions, hooks, clock) {
      const app = express()
      app.disable('x-powered-by')
      app.use(requireToken(tokenOptions))
      const show: RequestHandler = (req, res) => {
        res.json(identityView(req.auth))
      }
      const proxies = ['127.0.0.1', '::1']
      app.get('/rl/subject', rateLimit({ points: 2, duration: 60, clock }), show)
      app.get('/rl/direct', rateLimit({ key: 'ip', points: 1, duration: 60, clock }), show)
      app.get('/rl/proxied', rateLimit({ key: 'ip', points: 1, duration: 60, trustedProxies: proxies, clock }), show)
      const tiers = [{ when: { scope: 'tier:pro' }, points: 3, duration: 60, name: 'pro' }, { points: 1, duration: 60 }]
      app.get('/rl/tiers', rateLimit({ tiers, clock }), show)
      class RateLimitController {
        readonly label = 'rate-limit-controller'

        @RateLimit({ points: 1, duration: 30, clock })
        show(req: Request, res: Response): void {
          res.json({ subject: req.auth?.subject ?? null, by: this.label })
        }
      }
      app.get('/rl/ctrl', new RateLimitController().show)
      const record: ErrorRequestHandler = (err, _req, _res, next) => {
        hooks.onError(err)
        next(err)
      }
      app.use(record)
      app.use(errorHandler({ onServerError: hooks.jsonErrors?.onServerError ?? (() => undefined) }))
      return app
    },
  }
}
