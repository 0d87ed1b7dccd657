/**
 * `npm start`: a local issuer and the example orders API protected by Portcullis, all in one
 * process with in-memory state, and curl commands (with freshly minted tokens) to try it.
 */
import type { AddressInfo } from 'node:net'
import client from 'prom-client'
import { createMetrics } from '@portcullis/core'
import { createIssuer } from '@portcullis/testing'
import { createApp } from './app.js'

const port = Number(process.env['PORT'] ?? 3000)
const issuer = await createIssuer({ audience: 'https://orders.example.test', tokenLifetime: 3600 })
const metrics = createMetrics({ client, registry: new client.Registry() })
const app = createApp({ issuer: issuer.issuer, audience: issuer.audience, metrics })

const server = app.listen(port, '127.0.0.1')
server.on('error', (error: NodeJS.ErrnoException) => {
  console.error(error.code === 'EADDRINUSE' ? `Port ${port} is in use: try PORT=3001 npm start` : error)
  void issuer.close().finally(() => process.exit(1))
})
server.on('listening', () => {
  void (async () => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const reader = await issuer.mint({ sub: 'alice', scope: 'orders:read' })
    const expired = await issuer.mint({ sub: 'alice', scope: 'orders:read' }, { expiresIn: -60 })
    console.log(`Orders API protected by Portcullis listening on ${base}`)
    console.log(`Local issuer ${issuer.issuer} (JWKS ${issuer.jwksUri}), audience ${issuer.audience}\n`)
    console.log('# Allowed: a token with orders:read lists the orders (200)')
    console.log(`curl -i ${base}/orders -H 'Authorization: Bearer ${reader}'\n`)
    console.log('# Missing scope: the same token cannot create an order (403 insufficient_scope)')
    console.log(`curl -i -X POST ${base}/orders -H 'Authorization: Bearer ${reader}' -H 'Content-Type: application/json' -d '{"item":"gear","quantity":1}'\n`)
    console.log('# Expired token (401 invalid_token)')
    console.log(`curl -i ${base}/orders -H 'Authorization: Bearer ${expired}'\n`)
    console.log('# No token at all (401 with a bare Bearer challenge)')
    console.log(`curl -i ${base}/orders\n`)
    console.log('# Prometheus metrics of the requests above (portcullis_token_verifications_total, ...)')
    console.log(`curl -s ${base}/metrics\n`)
    console.log('Press Ctrl+C to stop.')
  })()
})

function shutdown(): void {
  server.close()
  server.closeAllConnections()
  void issuer.close().finally(() => process.exit(0))
}
process.on('SIGINT', shutdown)
process.on('SIGTERM', shutdown)
