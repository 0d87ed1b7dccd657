/* global process, console */
// One command: `npm start -w @portcullis/example-gateway-nginx`. Prints tokens and curl lines.
import { startStack } from './stack.mjs'

const stack = await startStack()
const { issuer, ports } = stack
const now = Math.floor(Date.now() / 1000)
const reader = await issuer.token('documents:read', { sub: 'ada', department: 'eng' })
const noScope = await issuer.token('profile', { sub: 'ada', department: 'eng' })
const weakPayer = await issuer.token('payments:write', { sub: 'ada', acr: 'pwd', auth_time: now - 60 })
const strongPayer = await issuer.token('payments:write', { sub: 'ada', acr: 'mfa', auth_time: now - 60 })
const base = `http://127.0.0.1:${ports.NGINX_PORT}`

console.log(`
nginx on ${base} -> gateway on 127.0.0.1:${ports.GATEWAY_PORT} -> Python upstream on 127.0.0.1:${ports.UPSTREAM_PORT}

# allowed: scope and policy (own department) -> 200, the upstream sees the identity headers
curl -i ${base}/documents/eng-1 -H 'Authorization: Bearer ${reader}'

# missing scope -> 403 insufficient_scope
curl -i ${base}/documents/eng-1 -H 'Authorization: Bearer ${noScope}'

# policy denial (another department) -> 403 access_denied with a decision id
curl -i ${base}/documents/hr-1 -H 'Authorization: Bearer ${reader}'

# step-up: password-only login -> 401 insufficient_user_authentication (acr_values="mfa")
curl -i -X POST ${base}/payments -H 'Authorization: Bearer ${weakPayer}'

# the same with an MFA login -> 200
curl -i -X POST ${base}/payments -H 'Authorization: Bearer ${strongPayer}'

# no token -> 401 with WWW-Authenticate: Bearer realm="api"
curl -i ${base}/documents/eng-1

# a forged identity header is replaced by nginx (public route: no identity at all)
curl -i ${base}/health -H 'X-Portcullis-Subject: admin'

Ctrl-C stops everything.`)

const stop = () => void stack.stop().then(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
