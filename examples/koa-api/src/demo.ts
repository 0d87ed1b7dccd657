/**
 * `npm start -w @portcullis/example-koa-api`: the Koa orders API with a local issuer, in one
 * process, and a curl command with a freshly minted token.
 */
import { createIssuer } from '@portcullis/testing'
import { createApp } from './app.js'

const port = Number(process.env['PORT'] ?? 3000)
const issuer = await createIssuer({ audience: 'https://orders.example.test', tokenLifetime: 3600 })
const server = createApp({ issuer: issuer.issuer, audience: issuer.audience }).listen(port, '127.0.0.1', () => {
  void (async () => {
    const address = server.address()
    const base = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : port}`
    const token = await issuer.mint({ sub: 'alice', scope: 'orders:read' })
    console.log(`Orders API (Koa) protected by Portcullis listening on ${base}\n`)
    console.log(`curl -i ${base}/orders -H 'Authorization: Bearer ${token}'\n`)
    console.log('Press Ctrl+C to stop.')
  })()
})
server.on('error', (error) => {
  console.error(error)
  void issuer.close().finally(() => process.exit(1))
})

function shutdown(): void {
  server.close()
  server.closeAllConnections()
  void issuer.close().finally(() => process.exit(0))
}
process.on('SIGINT', shutdown)
process.on('SIGTERM', shutdown)
