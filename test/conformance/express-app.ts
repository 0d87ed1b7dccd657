import type { ErrorRequestHandler, RequestHandler } from 'express'
import type Express from 'express'
import { errorHandler, protectedResourceMetadata, requireAuthentication, requireScope, requireToken } from '@portcullis/express'
import { identityView } from './helpers.js'
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
      // are parsed for every method: refusing a GET body token is then the core's job (BEAR-04).
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
      if (routes.stepUp !== undefined) app.get('/step-up', requireAuthentication(routes.stepUp), show)
      const record: ErrorRequestHandler = (err, _req, _res, next) => {
        hooks.onError(err)
        next(err)
      }
      app.use(record)
      return app
    },
  }
}
