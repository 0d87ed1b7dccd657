import Koa from 'koa'
import Router from '@koa/router'
import { bodyParser } from '@koa/bodyparser'
import { errorHandler, requireScope, requireToken, type PortcullisMiddleware, type RequireTokenOptions } from '@portcullis/koa'

/** An order of the example API. */
export interface Order {
  id: string
  item: string
  quantity: number
  owner: string | undefined
}

/**
 * The example orders API on Koa: the same routes and rules as the Express example. Portcullis
 * errors are rendered as JSON by `errorHandler()`.
 */
export function createApp(auth: RequireTokenOptions | PortcullisMiddleware): Koa {
  const orders = new Map<string, Order>([['1', { id: '1', item: 'widget', quantity: 2, owner: 'user-123' }]])
  let nextId = 2
  const app = new Koa()
  const router = new Router()

  app.use(errorHandler())
  // Public: handled before requireToken.
  app.use(async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === '/health') ctx.body = { status: 'ok' }
    else await next()
  })
  app.use(bodyParser({ enableTypes: ['json'], jsonLimit: '16kb' }))
  // Given the middleware itself, several apps share one authenticator (one ready(), one key cache).
  app.use(typeof auth === 'function' ? auth : requireToken(auth))

  router.get('/me', (ctx) => {
    const auth = ctx.state.auth
    ctx.body = { subject: auth?.subject, clientId: auth?.clientId, scopes: auth?.scopes }
  })
  router.get('/orders', requireScope('orders:read'), (ctx) => {
    ctx.body = [...orders.values()]
  })
  router.post('/orders', requireScope('orders:write'), (ctx) => {
    const body = (ctx.request.body ?? {}) as { item?: unknown; quantity?: unknown }
    if (typeof body.item !== 'string' || typeof body.quantity !== 'number') {
      ctx.status = 400
      ctx.body = { error: 'item (string) and quantity (number) are required' }
      return
    }
    const order: Order = { id: String(nextId++), item: body.item, quantity: body.quantity, owner: ctx.state.auth?.subject }
    orders.set(order.id, order)
    ctx.status = 201
    ctx.body = order
  })
  router.delete('/orders/:id', requireScope(['orders:admin', 'admin'], { match: 'any' }), (ctx) => {
    ctx.status = orders.delete(String(ctx.params['id'])) ? 204 : 404
  })
  app.use(router.routes())
  app.use(router.allowedMethods())
  return app
}
