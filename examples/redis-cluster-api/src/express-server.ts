/**
 * The Express process of the example: `GET /orders` (orders:read) and `POST /revocations`
 * (revocations:write), protected with the shared Redis stores.
 */
import type { AddressInfo } from 'node:net'
import express from 'express'
import { errorHandler, requireScope, requireToken } from '@portcullis/express'
import { createSharedAuth, parseRevocation, settingsFromEnv } from './settings.js'

const settings = settingsFromEnv()
const auth = createSharedAuth(settings)
const app = express()
app.get('/health', (_req, res) => void res.json({ status: 'ok', process: 'express' }))
app.use(express.json({ limit: '4kb' }))
const authentication = requireToken(auth.options)
// What one process learns of its keys or is told to forget, the other learns at once.
auth.bus.attach(authentication.authenticator)
app.use(authentication)
app.get('/orders', requireScope('orders:read'), (_req, res) => void res.json({ process: 'express', orders: [{ id: '1', item: 'widget' }] }))
app.post('/revocations', requireScope('revocations:write'), async (req, res, next) => {
  const revocation = parseRevocation(req.body)
  if (revocation === undefined) return void res.status(400).json({ error: 'send {"jti": "..."} or {"subject": "..."}' })
  try {
    if ('jti' in revocation) await auth.revocations.revokeToken({ jti: revocation.jti })
    else await auth.revocations.revokeSubject(revocation.subject)
    res.status(204).end()
  } catch (error) {
    next(error)
  }
})
app.use(errorHandler())

await auth.ready().catch(() => console.error('Redis is not answering yet: requests get 503 until it does'))
const server = app.listen(settings.port, '127.0.0.1', () => {
  console.log(JSON.stringify({ process: 'express', port: (server.address() as AddressInfo).port }))
})
const stop = (): void => {
  server.close()
  server.closeAllConnections()
  void auth.close().finally(() => process.exit(0))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
