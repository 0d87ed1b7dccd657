/**
 * `npm start`: a local issuer and the example APIs protected by Portcullis (scopes, policies,
 * a decorated controller with step-up, /health), all in one process with in-memory state, and
 * curl commands (with freshly minted tokens) to try them. Each comment ends with the answer
 * the command gets; the example's tests run every printed command and check it.
 */
import type { AddressInfo } from 'node:net'
import { createIssuer } from '@portcullis/testing'
import { createDemoApp } from './demo-app.js'
import { createDocumentsEngine } from './documents-policy.js'

const port = Number(process.env['PORT'] ?? 3000)
const issuer = await createIssuer({ audience: 'https://api.example.test', tokenLifetime: 3600 })
// The demo's curl commands come through 127.0.0.1 and say where the client is
// (X-Forwarded-For, a corporate address) and how trusted its device is (X-Device-Trust).
const engine = await createDocumentsEngine({ trustedProxies: ['127.0.0.1/32', '::1/128'] })
const { app, auth } = createDemoApp({ issuer: issuer.issuer, audience: issuer.audience, engine })

// Fail at startup, with the URL and the cause, rather than with 503s on the first requests.
try {
  await auth.ready({ timeout: 5000 })
} catch (error) {
  console.error((error as Error).message)
  await issuer.close()
  process.exit(1)
}

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
    const alice = await issuer.mint({ sub: 'alice', scope: 'documents:read', department: 'eng', clearance: 'CONFIDENTIAL' })
    const operator = await issuer.mint({ sub: 'operator', scope: 'decisions:read' })
    const password = await issuer.mint({ sub: 'alice', scope: 'settings:read settings:write', acr: 'pwd', auth_time: Math.floor(Date.now() / 1000) - 60 })
    const mfa = await issuer.mint({ sub: 'alice', scope: 'settings:read settings:write', acr: 'mfa', auth_time: Math.floor(Date.now() / 1000) - 60 })
    const context = `-H 'X-Forwarded-For: 10.1.2.3' -H 'X-Device-Trust: high'`
    // A denied request, made now, so that its decision id can be printed below.
    const denied = await fetch(`${base}/documents/payroll`, { headers: { authorization: `Bearer ${alice}`, 'x-forwarded-for': '10.1.2.3', 'x-device-trust': 'high' } })
    const { decision_id: decisionId } = (await denied.json()) as { decision_id: string }

    console.log(`APIs protected by Portcullis listening on ${base}`)
    console.log(`Local issuer ${issuer.issuer} (JWKS ${issuer.jwksUri}), audience ${issuer.audience}; keys fetched at startup\n`)
    console.log('# Health: the key state of the issuer, without a token (200 ok)')
    console.log(`curl -i ${base}/health\n`)
    console.log('## Scopes (the orders API)\n')
    console.log('# Allowed: a token with orders:read lists the orders (200)')
    console.log(`curl -i ${base}/orders -H 'Authorization: Bearer ${reader}'\n`)
    console.log('# Missing scope: the same token cannot create an order (403 insufficient_scope)')
    console.log(`curl -i -X POST ${base}/orders -H 'Authorization: Bearer ${reader}' -H 'Content-Type: application/json' -d '{"item":"gear","quantity":1}'\n`)
    console.log('# Expired token (401 invalid_token)')
    console.log(`curl -i ${base}/orders -H 'Authorization: Bearer ${expired}'\n`)
    console.log('# No token at all (401 with a bare Bearer challenge)')
    console.log(`curl -i ${base}/orders\n`)
    console.log('## Policies (the documents API)\n')
    console.log('# Permitted: clearance, department, corporate network, trusted device (200)')
    console.log(`curl -i ${base}/documents/handbook -H 'Authorization: Bearer ${alice}' ${context}\n`)
    console.log('# Denied: payroll belongs to another department (403 access_denied, with a decision_id and nothing about the rules)')
    console.log(`curl -i ${base}/documents/payroll -H 'Authorization: Bearer ${alice}' ${context}\n`)
    console.log(`# Why decision ${decisionId} (made at startup for the request above) was taken: the rules and attributes (200)`)
    console.log('# Demo only: never show explanations to clients in production; they belong in the audit log.')
    console.log(`curl -i ${base}/decisions/${decisionId} -H 'Authorization: Bearer ${operator}'\n`)
    console.log('## A decorated controller (@RequireScope, @RequireAuthentication)\n')
    console.log('# Reading settings needs settings:read (200)')
    console.log(`curl -i ${base}/settings -H 'Authorization: Bearer ${password}'\n`)
    console.log('# Step-up: signing out everywhere needs a recent MFA; a password login is not enough (401 insufficient_user_authentication)')
    console.log(`curl -i -X DELETE ${base}/settings/sessions -H 'Authorization: Bearer ${password}'\n`)
    console.log('# The same after a recent MFA (204; for 4 minutes after start: the MFA must be at most 300 s old)')
    console.log(`curl -i -X DELETE ${base}/settings/sessions -H 'Authorization: Bearer ${mfa}'\n`)
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
