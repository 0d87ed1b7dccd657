/**
 * The Koa process of the example: the same routes as the Express one, the same Redis stores.
 */
import type { AddressInfo } from 'node:net'
import Koa from 'koa'
import Router from '@koa/router'
import { bodyParser } from '@koa/bodyparser'
import { errorHandler, requireScope, requireToken } from '@portcullis/koa'
import { createSharedAuth, parseRevocation, settingsFromEnv } from './settings.js'

const settings = settingsFromEnv()
const auth = createSharedAuth(settings)
const app = new Koa()
const router = new Router()
app.use(errorHandler())
app.use(async (ctx, next) => {
  if (ctx.method === 'GET' && ctx.path === '/health') ctx.body = { status: 'ok', process: 'koa' }
  else await next()
})
app.use(bodyParser({ enableTypes: ['json'], jsonLimit: '4kb' }))
const authentication = requireToken(auth.options)
// What one process learns of its keys or is told to forget, the other learns at once.
auth.bus.attach(authentication.authenticator)
app.use(authentication)
router.get('/orders', requireScope('orders:read'), (ctx) => {
  ctx.body = { process: 'koa', orders: [{ id: '1', item: 'widget' }] }
})
router.post('/revocations', requireScope('revocations:write'), async (ctx) => {
  const revocation = parseRevocation(ctx.request.body)
  if (revocation === undefined) {
    ctx.status = 400
    ctx.body = { error: 'send {"jti": "..."} or {"subject": "..."}' }
    return
  }
  if ('jti' in revocation) await auth.revocations.revokeToken({ jti: revocation.jti })
  else await auth.revocations.revokeSubject(revocation.subject)
  ctx.status = 204
})
app.use(router.routes())
app.use(router.allowedMethods())

await auth.ready().catch(() => console.error('Redis is not answering yet: requests get 503 until it does'))
const server = app.listen(settings.port, '127.0.0.1', () => {
  console.log(JSON.stringify({ process: 'koa', port: (server.address() as AddressInfo).port }))
})
const stop = (): void => {
  server.close()
  server.closeAllConnections()
  void auth.close().finally(() => process.exit(0))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
