import express, { type Express } from 'express'
import type { Registry } from 'prom-client'
import { errorHandler, requireScope, requireToken, type PortcullisMiddleware, type RequireTokenOptions } from '@portcullis/express'

/** An order of the example API. */
export interface Order {
  id: string
  item: string
  quantity: number
  owner: string | undefined
}

/**
 * The example orders API. Everything under `requireToken` needs a valid access token; each
 * route then states the scopes it needs. Portcullis errors are rendered as JSON by
 * `errorHandler()` (without it, Express's default handler renders them as HTML with the same
 * status and `WWW-Authenticate`).
 */
export function createApp(auth: RequireTokenOptions | PortcullisMiddleware): Express {
  const orders = new Map<string, Order>([['1', { id: '1', item: 'widget', quantity: 2, owner: 'user-123' }]])
  let nextId = 2
  const app = express()
  app.disable('x-powered-by')
  app.use(express.json({ limit: '16kb' }))

  // Public: registered before requireToken.
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' })
  })

  // Prometheus metrics, when the options carry them (`metrics: createMetrics({ client, registry })`).
  // Open here for the demo; in production, serve them on an internal port or behind auth.
  const registry = (typeof auth === 'function' ? undefined : auth.metrics?.registry) as Registry | undefined
  if (registry !== undefined) {
    app.get('/metrics', async (_req, res) => {
      res.type(registry.contentType).send(await registry.metrics())
    })
  }

  // Given the middleware itself, several apps share one authenticator (one ready(), one key cache).
  app.use(typeof auth === 'function' ? auth : requireToken(auth))

  app.get('/me', (req, res) => {
    res.json({ subject: req.auth?.subject, clientId: req.auth?.clientId, scopes: req.auth?.scopes })
  })
  app.get('/orders', requireScope('orders:read'), (_req, res) => {
    res.json([...orders.values()])
  })
  app.post('/orders', requireScope('orders:write'), (req, res) => {
    const body = (req.body ?? {}) as { item?: unknown; quantity?: unknown }
    if (typeof body.item !== 'string' || typeof body.quantity !== 'number') {
      res.status(400).json({ error: 'item (string) and quantity (number) are required' })
      return
    }
    const order: Order = { id: String(nextId++), item: body.item, quantity: body.quantity, owner: req.auth?.subject }
    orders.set(order.id, order)
    res.status(201).json(order)
  })
  app.delete('/orders/:id', requireScope(['orders:admin', 'admin'], { match: 'any' }), (req, res) => {
    const id = String(req.params['id'])
    res.status(orders.delete(id) ? 204 : 404).end()
  })
  app.use(errorHandler())
  return app
}
