/**
 * `npm start`: a local issuer, then two API processes (one Express, one Koa) sharing one Redis
 * (REDIS_URL, default redis://127.0.0.1:6379), and curl commands that show a revocation made
 * through one process refused by the other.
 */
import { randomUUID } from 'node:crypto'
import { createIssuer } from '@portcullis/testing'
import { startApi, type ApiProcess } from './processes.js'

const issuer = await createIssuer({ audience: 'https://orders.example.test', tokenLifetime: 3600 })
const env = {
  ISSUER: issuer.issuer,
  AUDIENCE: issuer.audience,
  REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
  // A fresh prefix per run: the demo never sees an earlier run's revocations.
  REDIS_PREFIX: process.env['REDIS_PREFIX'] ?? `orders-demo-${randomUUID()}`,
}
const apis: ApiProcess[] = []
async function stop(code: number): Promise<never> {
  await Promise.all(apis.map((api) => api.stop()))
  await issuer.close()
  process.exit(code)
}
process.on('SIGINT', () => void stop(0))
process.on('SIGTERM', () => void stop(0))

try {
  apis.push(await startApi('express', { ...env, PORT: process.env['EXPRESS_PORT'] ?? '3001' }))
  apis.push(await startApi('koa', { ...env, PORT: process.env['KOA_PORT'] ?? '3002' }))
} catch (error) {
  console.error(error instanceof Error ? error.message : error)
  await stop(1)
}
const [express, koa] = apis as [ApiProcess, ApiProcess]
const jti = randomUUID()
const reader = await issuer.mint({ sub: 'alice', scope: 'orders:read', jti })
const admin = await issuer.mint({ sub: 'ops', scope: 'revocations:write' })
const e = `http://127.0.0.1:${express.port}`
const k = `http://127.0.0.1:${koa.port}`
console.log(`Express API on ${e}, Koa API on ${k}, both on Redis ${env.REDIS_URL} (prefix ${env.REDIS_PREFIX})\n`)
console.log('# The token works on both processes (200)')
console.log(`curl -i ${e}/orders -H 'Authorization: Bearer ${reader}'`)
console.log(`curl -i ${k}/orders -H 'Authorization: Bearer ${reader}'\n`)
console.log('# Revoke it through the Express process (204)')
console.log(`curl -i -X POST ${e}/revocations -H 'Authorization: Bearer ${admin}' -H 'Content-Type: application/json' -d '{"jti":"${jti}"}'\n`)
console.log('# The Koa process refuses it at once (401 invalid_token)')
console.log(`curl -i ${k}/orders -H 'Authorization: Bearer ${reader}'\n`)
console.log('Press Ctrl+C to stop.')
