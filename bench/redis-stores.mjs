/* global process, console, URL, fetch, performance, setTimeout */
// Redis stores vs in-memory stores on a protected Express route, and revocation propagation
// between processes. Runs the built packages against the Redis at REDIS_URL (default
// redis://127.0.0.1:6379):
//   npm run build && npm run bench:redis
// Scenarios, each a fresh server process, interleaved for BENCH_ROUNDS rounds:
//   bearer-memory / bearer-redis: requireToken + revocation store (in-memory vs Redis), a pool
//     of distinct bearer tokens (the steady state: nothing is being revoked);
//   dpop-memory / dpop-redis: the same plus DPoP, every request with a fresh proof, so the
//     replay store is written once per request (one SET NX round trip with Redis).
// Then propagation, idle and under the BENCH_PROPAGATION_RATES (requests per second) of load:
// this process (another process on the same Redis) revokes a token; the server process notes
// when its store first refuses it (wall clock, comparable across processes), and this process
// polls the route until it answers 401. p50/p99 over BENCH_PROPAGATION samples.
import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import os from 'node:os'
import autocannon from 'autocannon'

const env = process.env
const REDIS_URL = env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const ORIGIN = 'https://bench.example.test'
const DURATION = Number(env.BENCH_DURATION ?? 5)
const ROUNDS = Number(env.BENCH_ROUNDS ?? 3)
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 10)
const PROPAGATION = Number(env.BENCH_PROPAGATION ?? 100)
// Steady load on the watched process during the propagation samples (requests per second).
const PROPAGATION_RATES = (env.BENCH_PROPAGATION_RATES ?? '0,200,500').split(',').map(Number)
const DPOP_REQUESTS = Number(env.BENCH_DPOP_REQUESTS ?? 10_000)
const [mode, scenario] = process.argv.slice(2)

if (mode === 'serve') await serve(scenario)
else await main()

// ---- server process -------------------------------------------------------------------------
async function serve(name) {
  const { default: express } = await import('express')
  const { requireToken, createRevocationStore, createMemoryReplayStore, errorHandler } = await import('@portcullis/express')
  const { createRedisRevocationStore, createRedisReplayStore } = await import('@portcullis/redis')
  const redis = name.endsWith('-redis')
  const prefix = env.BENCH_PREFIX
  const store = redis ? createRedisRevocationStore({ url: REDIS_URL, prefix }) : createRevocationStore()
  const replayStore = redis ? createRedisReplayStore({ url: REDIS_URL, prefix }) : createMemoryReplayStore({ maxEntries: 1_000_000 })
  if (redis) await store.ready()
  const app = express()
  // CPU time of this process (user + system, µs): per request, it is far less sensitive than
  // latency to other processes competing for the machine.
  app.get('/__cpu', (req, res) => {
    const { user, system } = process.cpuUsage()
    res.json({ cpu: user + system })
  })
  if (redis) {
    // Propagation probe: POST /watch/:jti starts watching this process's store for a revocation
    // of jti (a check every millisecond, from this process's event loop); GET /watch/:jti
    // answers when it was first refused, in wall-clock ms (comparable across processes).
    const watched = new Map()
    const watch = async () => {
      let open = false
      for (const [jti, seenAt] of watched) {
        if (seenAt !== undefined) continue
        if ((await store.check({ issuer: env.BENCH_ISSUER, tokenHash: '-', jti })) === 'jti') watched.set(jti, performance.timeOrigin + performance.now())
        else open = true
      }
      if (open) setTimeout(watch, 1)
    }
    app.post('/watch/:jti', (req, res) => {
      watched.set(req.params.jti, undefined)
      if (watched.size === 1 || [...watched.values()].filter((v) => v === undefined).length === 1) setTimeout(watch, 1)
      res.status(204).end()
    })
    app.get('/watch/:jti', (req, res) => {
      res.json({ seenAt: watched.get(req.params.jti) ?? null })
      if (watched.get(req.params.jti) !== undefined) watched.delete(req.params.jti)
    })
  }
  const dpop = name.startsWith('dpop') ? { origin: ORIGIN, replayStore, maxAge: 600 } : undefined
  app.use(requireToken({ issuer: env.BENCH_ISSUER, audience: env.BENCH_AUDIENCE, revocation: { store }, ...(dpop ? { dpop } : {}) }))
  app.get('/orders', (req, res) => res.json({ ok: true }))
  app.use(errorHandler())
  const server = app.listen(0, '127.0.0.1', () => console.log(`ready ${server.address().port}`))
  process.on('SIGTERM', () => {
    if (redis && env.BENCH_STATS === '1') console.error(name, JSON.stringify(store.stats), store.localViewState)
    process.exit(0)
  })
}

function startServer(name, issuer, prefix) {
  const child = spawn(process.execPath, [new URL(import.meta.url).pathname, 'serve', name], {
    env: { ...env, BENCH_ISSUER: issuer.issuer, BENCH_AUDIENCE: issuer.audience, BENCH_PREFIX: prefix },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)))
    child.stdout.on('data', (chunk) => {
      const match = /ready (\d+)/.exec(chunk.toString())
      if (match) resolve({ port: Number(match[1]), stop: () => new Promise((done) => { child.once('exit', done); child.kill('SIGTERM') }) })
    })
  })
}

/** Load with autocannon: for `duration` seconds, or exactly `amount` requests (single-use proofs). */
function load(port, requests, { duration, amount, rate }) {
  let i = 0
  let instance
  const done = new Promise((resolve, reject) => {
    instance = autocannon(
      {
        url: `http://127.0.0.1:${port}/orders`,
        connections: CONNECTIONS,
        ...(amount === undefined ? { duration } : { amount }),
        ...(rate === undefined ? {} : { overallRate: rate }),
        requests: [{ setupRequest: (req) => ({ ...req, headers: requests[i++ % requests.length] }) }],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    )
  })
  return { done, stop: () => instance.stop() }
}

// ---- in process: the cost of one revocation check ---------------------------------------------
// The same 1,000 revoked jtis in both stores, then checks of tokens that are not revoked (the
// steady state), alternating the stores; the Redis store answers from its local view.
async function micro() {
  const { createRevocationStore, revocationTokenHash } = await import('@portcullis/core')
  const { createRedisRevocationStore } = await import('@portcullis/redis')
  const memory = createRevocationStore()
  const redis = createRedisRevocationStore({ url: REDIS_URL, prefix: `bench-${randomUUID()}` })
  await redis.ready()
  for (let i = 0; i < 1000; i++) await Promise.all([memory.revokeToken({ jti: `revoked-${i}` }), redis.revokeToken({ jti: `revoked-${i}` })])
  const queries = Array.from({ length: 1000 }, (_, i) => ({ issuer: 'https://id.example.test/', tokenHash: revocationTokenHash(`token-${i}`), jti: `jti-${i}`, subject: `user-${i}`, sid: `sid-${i}`, clientId: 'client', issuedAt: 1 }))
  const times = { memory: [], redis: [] }
  for (let round = 0; round < 6; round++) {
    for (const [name, store] of [['memory', memory], ['redis', redis]]) {
      const n = 100_000
      const start = performance.now()
      for (let i = 0; i < n; i++) await store.check(queries[i % queries.length])
      if (round > 0) times[name].push(((performance.now() - start) * 1000) / n)
    }
  }
  const med = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)].toFixed(2)
  console.log(`\nOne revocation check in process (median of 5 x 100,000): in-memory store ${med(times.memory)} µs, Redis store ${med(times.redis)} µs (local view; checks that went to Redis: ${redis.stats.redisChecks})`)
  await redis.close()
}

// ---- runner ---------------------------------------------------------------------------------
async function main() {
  const { createIssuer, createDpopProof, generateSigningKey, jwkThumbprint } = await import('@portcullis/testing')
  const { createRedisRevocationStore } = await import('@portcullis/redis')
  const issuer = await createIssuer({ audience: ORIGIN, tokenLifetime: 6 * 3600 })
  const bearer = []
  for (let i = 0; i < 200; i++) bearer.push({ authorization: `Bearer ${await issuer.mint({ sub: `user-${i}` })}` })
  const key = await generateSigningKey('ES256')
  const bound = await issuer.mint({ sub: 'dpop-user', cnf: { jkt: await jwkThumbprint(key) } })
  // Enough single-use proofs for the longest run (each request consumes one).
  const proofs = (count) => Array.from({ length: count }, () => ({ authorization: `DPoP ${bound}`, dpop: createDpopProof({ key, htm: 'GET', htu: `${ORIGIN}/orders`, accessToken: bound }) }))

  await micro()
  if (env.BENCH_HTTP === '0') process.exit(0)

  const names = ['bearer-memory', 'bearer-redis', 'dpop-memory', 'dpop-redis']
  const results = Object.fromEntries(names.map((name) => [name, []]))
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names) {
      const server = await startServer(name, issuer, `bench-${randomUUID()}`)
      const dpop = name.startsWith('dpop')
      // Warm-up (JWKS, JIT, local view), then the measured window; a DPoP proof is used once.
      await load(server.port, dpop ? proofs(2000) : bearer, dpop ? { amount: 2000 } : { duration: 1 }).done
      const cpu = async () => (await (await fetch(`http://127.0.0.1:${server.port}/__cpu`)).json()).cpu
      const cpuBefore = await cpu()
      const result = await load(server.port, dpop ? proofs(DPOP_REQUESTS) : bearer, dpop ? { amount: DPOP_REQUESTS } : { duration: DURATION }).done
      const cpuPerRequest = (await cpu() - cpuBefore) / Math.max(1, result['2xx'])
      results[name].push({ p50: result.latency.p50, p99: result.latency.p99, mean: result.latency.average, rps: result.requests.average, cpu: cpuPerRequest, errors: result.non2xx + result.errors })
      await server.stop()
    }
  }
  const median = (values) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)]
  const row = (name) => {
    const runs = results[name]
    return { name, p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)), mean: median(runs.map((r) => r.mean)), cpu: median(runs.map((r) => r.cpu)), rps: median(runs.map((r) => r.rps)), errors: runs.reduce((sum, r) => sum + r.errors, 0) }
  }
  console.log(`\nnode ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  console.log(`${ROUNDS} rounds (bearer ${DURATION} s, DPoP ${DPOP_REQUESTS} requests), ${CONNECTIONS} connections, medians of the rounds\n`)
  console.log('| scenario | p50 ms | p99 ms | mean ms | req/s | CPU µs/req | non-2xx | p50 vs memory | CPU vs memory |')
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
  for (const [memory, redis] of [['bearer-memory', 'bearer-redis'], ['dpop-memory', 'dpop-redis']]) {
    const m = row(memory)
    const r = row(redis)
    const ratio = (a, b) => (b > 0 ? `${a >= b ? '+' : ''}${((a / b - 1) * 100).toFixed(0)}%` : 'n/a')
    console.log(`| ${m.name} | ${m.p50} | ${m.p99} | ${m.mean.toFixed(2)} | ${Math.round(m.rps)} | ${Math.round(m.cpu)} | ${m.errors} | | |`)
    console.log(`| ${r.name} | ${r.p50} | ${r.p99} | ${r.mean.toFixed(2)} | ${Math.round(r.rps)} | ${Math.round(r.cpu)} | ${r.errors} | ${ratio(r.p50, m.p50)} | ${ratio(r.cpu, m.cpu)} |`)
  }

  // Propagation: revoke here (process A), watch the server (process B), idle and under load.
  const prefix = `bench-${randomUUID()}`
  const server = await startServer('bearer-redis', issuer, prefix)
  const revoker = createRedisRevocationStore({ url: REDIS_URL, prefix })
  await revoker.ready()
  for (const rate of PROPAGATION_RATES) {
    const loading = rate > 0 ? load(server.port, bearer, { duration: 3600, rate }) : undefined
    const samples = []
    const baseline = []
    const inside = []
    for (let i = 0; i < PROPAGATION; i++) {
      const jti = randomUUID()
      const token = await issuer.mint({ sub: 'victim', jti })
      const get = () => fetch(`http://127.0.0.1:${server.port}/orders`, { headers: { authorization: `Bearer ${token}` } })
      const before = performance.now()
      if ((await get()).status !== 200) throw new Error('token refused before revocation')
      baseline.push(performance.now() - before)
      const start = performance.now()
      await fetch(`http://127.0.0.1:${server.port}/watch/${jti}`, { method: 'POST' })
      const revokedAt = performance.timeOrigin + performance.now()
      await revoker.revokeToken({ jti })
      while ((await get()).status === 200) if (performance.now() - start > 5000) throw new Error('not refused after 5 s')
      samples.push(performance.now() - start)
      let seenAt = null
      while (seenAt === null) seenAt = (await (await fetch(`http://127.0.0.1:${server.port}/watch/${jti}`)).json()).seenAt
      inside.push(seenAt - revokedAt)
    }
    if (loading) {
      loading.stop()
      await loading.done
    }
    const pct = (values, p) => values.slice().sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))].toFixed(1)
    console.log(`\nPropagation ${rate > 0 ? `under ${rate} req/s of load` : 'idle'}, ${samples.length} samples:`)
    console.log(`  revokeToken() called in this process -> the other process's store refuses it: p50 ${pct(inside, 50)} ms, p99 ${pct(inside, 99)} ms, max ${pct(inside, 100)} ms`)
    console.log(`  the same, end to end over HTTP (revocation round trip + at least one request): p50 ${pct(samples, 50)} ms, p99 ${pct(samples, 99)} ms`)
    console.log(`  one request alone, for scale: p50 ${pct(baseline, 50)} ms, p99 ${pct(baseline, 99)} ms`)
  }
  await revoker.close()
  await server.stop()
  await issuer.close()
  process.exit(0)
}
