/* global process, console */
// `npm run bench -w @portcullis/example-gateway-nginx`: the same Python upstream behind nginx
// alone, and behind nginx + the gateway (a JWT with a scope and a policy on every request).
// DURATION (seconds, default 10) and CONNECTIONS (default 20) tune the runs.
import autocannon from 'autocannon'
import { startStack } from './stack.mjs'

const duration = Number(process.env.DURATION ?? 10)
const connections = Number(process.env.CONNECTIONS ?? 20)
const stack = await startStack()
const token = await stack.issuer.token('documents:read', { sub: 'ada', department: 'eng' })

async function run(title, port, headers) {
  const result = await autocannon({ url: `http://127.0.0.1:${port}/documents/eng-1`, headers, duration, connections })
  const ok = result['2xx']
  console.log(`${title.padEnd(24)} ${String(Math.round(result.requests.average)).padStart(7)} req/s   p50 ${result.latency.p50} ms   p99 ${result.latency.p99} ms   2xx ${ok}/${result.requests.total}`)
  if (ok === 0 || result.non2xx > 0) throw new Error(`${title}: ${result.non2xx} answers were not 2xx`)
}

try {
  console.log(`${duration}s, ${connections} connections, GET /documents/eng-1 (node ${process.version})`)
  await run('nginx alone', stack.ports.NGINX_OPEN_PORT, {})
  await run('nginx + gateway', stack.ports.NGINX_PORT, { authorization: `Bearer ${token}` })
} finally {
  await stack.stop()
}
