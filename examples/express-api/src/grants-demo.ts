/**
 * `npm run start:grants -w @portcullis/example-express-api`: the just-in-time access example
 * with a local issuer. It files one pending request, then prints the approvals page, a token
 * to paste there, and curl commands to try the grant.
 */
import type { AddressInfo } from 'node:net'
import { createIssuer } from '@portcullis/testing'
import { createGrantsApp } from './grants-app.js'

const port = Number(process.env['PORT'] ?? 3001)
const issuer = await createIssuer({ audience: 'https://orders.example.test', tokenLifetime: 3600 })
const { app, grants } = createGrantsApp({ issuer: issuer.issuer, audience: issuer.audience })

const server = app.listen(port, '127.0.0.1')
server.on('error', (error: NodeJS.ErrnoException) => {
  console.error(error.code === 'EADDRINUSE' ? `Port ${port} is in use: try PORT=3002` : error)
  void issuer.close().finally(() => process.exit(1))
})
server.on('listening', () => {
  void (async () => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    const developer = await issuer.mint({ sub: 'dev-7', scope: 'grants:request' })
    const approver = await issuer.mint({ sub: 'oncall-1', scope: 'grants:approve', groups: ['oncall'] })
    const identity = { subject: 'dev-7', issuer: issuer.issuer, audience: [issuer.audience], clientId: undefined, scopes: ['grants:request'], claims: {}, tokenType: 'jwt' as const, expiresAt: undefined, confirmation: undefined, actor: [], acr: undefined, amr: undefined, authTime: undefined }
    await grants.request({ identity, resource: 'prod-db/orders', actions: ['write'], justification: 'INC-1234: reindex the orders table', duration: 45 * 60_000, urgency: 'HIGH' })
    console.log(`Just-in-time access example listening on ${base}\n`)
    console.log(`# Approvals page: open ${base}/approvals and paste this on-call token:`)
    console.log(`${approver}\n`)
    console.log('# Before approval the write is refused (403); after it, it passes (200):')
    console.log(`curl -i -X POST ${base}/prod-db/orders -H 'Authorization: Bearer ${developer}'\n`)
    console.log("# The developer's requests and grants:")
    console.log(`curl -s ${base}/grants/requests/mine -H 'Authorization: Bearer ${developer}'\n`)
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
