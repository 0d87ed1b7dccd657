// The Portcullis benchmark: see bench/README.md. `npm run bench` from the repository root.
import autocannon from 'autocannon'
import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createIssuer } from '@portcullis/testing'
import { runMicro } from './micro.js'
import { renderTables } from './report.js'
import { renderRatioChart } from './chart.js'

const here = dirname(fileURLToPath(import.meta.url))
const env = process.env
const list = (value, fallback) => (value === undefined || value === '' ? fallback : value.split(',').map((s) => s.trim()).filter(Boolean))

const config = {
  duration: Number(env.BENCH_DURATION ?? 2.5),
  rounds: Number(env.BENCH_ROUNDS ?? 3),
  connections: Number(env.BENCH_CONNECTIONS ?? 50),
  pool: Number(env.BENCH_POOL ?? 10_000),
  // Warm-up: the same number of requests for every server (JIT, JWKS fetch, and in pool mode two
  // passes over the pool: Portcullis's cache admits a token at its second use), so no server is
  // measured colder than another.
  warmupRequests: Number(env.BENCH_WARMUP_REQUESTS ?? 2 * Number(env.BENCH_POOL ?? 10_000)),
  // Tokens minted per algorithm for unique mode: a run that needs more reuses them (reported).
  unique: Number(env.BENCH_UNIQUE ?? 50_000),
  modes: list(env.BENCH_MODES, ['same', 'pool', 'unique']),
  algs: list(env.BENCH_ALGS, ['RS256', 'ES256', 'EdDSA']),
  // A regular expression on scenario names, e.g. BENCH_ONLY='koa' or 'portcullis|bare'.
  only: env.BENCH_ONLY === undefined ? undefined : new RegExp(env.BENCH_ONLY),
  micro: env.BENCH_MICRO !== '0',
  http: env.BENCH_HTTP !== '0',
  microMs: Number(env.BENCH_MICRO_MS ?? 1000),
  // BENCH_PROFILE=1: each server writes a V8 CPU profile to bench/results/profiles/.
  profile: env.BENCH_PROFILE === '1',
  // BENCH_OBSERVABILITY=1 adds the *-portcullis-ratelimit, -metrics and -tracing scenarios.
  observability: env.BENCH_OBSERVABILITY === '1',
}
// "alg:mode" groups: every BENCH_ALGS x BENCH_MODES, or an explicit BENCH_GROUPS list.
config.groups = list(env.BENCH_GROUPS, config.algs.flatMap((alg) => config.modes.map((mode) => `${alg}:${mode}`)))
  .map((g) => g.replace(/:rotating$/, ':pool')) // the former name of pool mode
for (const group of config.groups) {
  const [alg, mode] = group.split(':')
  if (!['RS256', 'ES256', 'EdDSA'].includes(alg) || !['same', 'pool', 'unique'].includes(mode)) throw new Error(`unknown group ${group} (alg: RS256, ES256, EdDSA; mode: same, pool, unique)`)
}
config.algs = [...new Set(config.groups.map((g) => g.split(':')[0]))]
config.modes = [...new Set(config.groups.map((g) => g.split(':')[1]))]

const BARE = ['express-bare', 'koa-bare', 'fastify-bare']
const PROTECTED = [
  'express-portcullis', 'express-portcullis-nocache', 'express-portcullis-policy', 'express-auth0', 'express-jwt', 'express-jose',
  'koa-portcullis', 'koa-portcullis-nocache', 'koa-portcullis-policy', 'koa-jwt', 'koa-jose',
  'fastify-portcullis', 'fastify-portcullis-nocache', 'fastify-portcullis-policy', 'fastify-jwt', 'fastify-jose',
]
// BENCH_OBSERVABILITY=1: the protected route of *-portcullis plus rate limiting, metrics or
// tracing, for the report's "Cost of rate limiting, metrics and tracing" (ratio to *-portcullis).
const OBSERVED = ['express', 'koa', 'fastify'].flatMap((framework) => ['ratelimit', 'metrics', 'tracing'].map((feature) => `${framework}-portcullis-${feature}`))
if (config.observability) PROTECTED.push(...OBSERVED)
// express-jwt and koa-jwt verify with jsonwebtoken, which has no EdDSA; fastify-jwt gets its
// keys from get-jwks, whose jwk-to-pem has no OKP keys: those runs are skipped.
const UNSUPPORTED = { 'express-jwt': ['EdDSA'], 'koa-jwt': ['EdDSA'], 'fastify-jwt': ['EdDSA'] }
const wanted = (name) => config.only === undefined || config.only.test(name)

function hasTaskset() {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' })
    return os.availableParallelism() >= 2
  } catch {
    return false
  }
}
const pinned = hasTaskset()
if (pinned) execFileSync('taskset', ['-pc', '1', String(process.pid)], { stdio: 'ignore' }) // load generator: core 1

function startServer(scenario, alg, issuer) {
  const profiling = config.profile
    ? ['--cpu-prof', '--cpu-prof-dir', join(here, '..', 'results', 'profiles'), '--cpu-prof-name', `${scenario}-${alg}-${Date.now()}.cpuprofile`]
    : []
  const args = [...profiling, join(here, 'server.js'), scenario]
  const command = pinned ? 'taskset' : process.execPath
  const child = spawn(command, pinned ? ['-c', '0', process.execPath, ...args] : args, {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    env: { ...env, NODE_ENV: 'production-bench', BENCH_ISSUER: issuer.issuer, BENCH_AUDIENCE: issuer.audience, BENCH_JWKS_URI: issuer.jwksUri, BENCH_ALG: alg },
  })
  return new Promise((resolve, reject) => {
    let out = ''
    child.once('exit', (code) => reject(new Error(`${scenario} exited with ${code}`)))
    child.stdout.on('data', (chunk) => {
      out += chunk
      const match = /ready (\d+)/.exec(out)
      if (match) resolve({ child, port: Number(match[1]) })
    })
  })
}

function stats(child) {
  return new Promise((resolve) => {
    child.once('message', resolve)
    child.send('stats')
  })
}

// Sends `amount` requests, or load for `seconds`; with several tokens each request takes the
// next one (in order, wrapping around). Resolves to autocannon's result plus `sent`, the number
// of tokens taken, so a unique run that outran its set can say so.
function load(port, tokens, seconds, amount) {
  let next = 0
  const rotating = tokens.length > 1
  const options = {
    url: `http://127.0.0.1:${port}/orders`,
    connections: config.connections,
    ...(amount === undefined ? { duration: seconds } : { amount }),
    headers: { authorization: `Bearer ${tokens[0]}` },
    ...(rotating
      ? {
          requests: [{
            method: 'GET',
            setupRequest: (request) => {
              request.headers = { authorization: `Bearer ${tokens[next++ % tokens.length]}` }
              return request
            },
          }],
        }
      : {}),
  }
  return new Promise((resolve, reject) => autocannon(options, (error, result) => (error ? reject(error) : resolve({ ...result, sent: next }))))
}

async function measure(scenario, alg, mode, warmTokens, tokens, issuer) {
  const { child, port } = await startServer(scenario, alg, issuer)
  try {
    // Equal warm-up for every server: the same number of requests. In pool mode these are the
    // pool itself (so a verified-token cache starts in steady state); in unique mode they are
    // pool tokens too, never tokens of the unique set measured next.
    await load(port, warmTokens, 0, config.warmupRequests)
    const before = await stats(child)
    const result = await load(port, tokens, config.duration)
    const after = await stats(child)
    const ok = result['2xx']
    const cpuMicros = after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system
    return {
      scenario, alg, mode,
      rps: ok / config.duration,
      p50: result.latency.p50,
      p99: result.latency.p99,
      cpuPerRequest: ok > 0 ? cpuMicros / ok : NaN,
      rss: after.rss / 1024 / 1024,
      errors: result.non2xx + result.errors + result.timeouts,
      // Unique mode: requests that carried a token already sent in this run (the set ran out).
      reused: mode === 'unique' ? Math.max(0, result.sent - tokens.length) : 0,
    }
  } finally {
    child.send('exit')
    await new Promise((resolve) => child.once('exit', resolve))
  }
}

const runs = []
for (const group of config.groups) {
  const [alg, mode] = group.split(':')
  for (const scenario of PROTECTED) if (wanted(scenario) && !UNSUPPORTED[scenario]?.includes(alg)) runs.push({ scenario, alg, mode })
}
// The bare servers ignore the token; they run once per mode, with that mode's token traffic.
for (const mode of config.modes) for (const scenario of BARE) if (wanted(scenario)) runs.unshift({ scenario, alg: config.groups.find((g) => g.endsWith(`:${mode}`)).split(':')[0], mode, bare: true })

const started = Date.now()
console.log(`# Portcullis bench: node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ` +
  `load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, ${pinned ? 'server on core 0, load generator on core 1 (taskset)' : 'NOT pinned (no taskset)'}`)
console.log(`# ${config.rounds} round(s) x ${runs.length} runs, ${config.duration}s each, ` +
  `warm-up ${config.warmupRequests} requests, ${config.connections} connections, modes ${config.modes.join(', ')}, algorithms ${config.algs.join(', ')}, ` +
  `pool ${config.pool} tokens, unique set ${config.unique} tokens per algorithm`)

const issuer = await createIssuer({ algorithms: ['RS256', 'ES256', 'EdDSA'], tokenLifetime: 6 * 3600 })
// Minted before any round: the pool (same mode uses its first token) and, for unique mode, a
// disjoint set (other subjects, so other token strings) that no server sees during warm-up.
const mintStarted = Date.now()
const mint = async (alg, count, prefix) => {
  const tokens = []
  for (let i = 0; i < count; i++) tokens.push(await issuer.mint({ scope: 'bench:read orders:write', sub: `${prefix}-${i}` }, { alg }))
  return tokens
}
const pools = {}
const uniques = {}
for (const alg of config.algs) {
  const needsPool = config.groups.some((g) => g === `${alg}:pool` || g === `${alg}:unique`) || config.micro
  pools[alg] = await mint(alg, needsPool ? config.pool : 1, 'user')
  if (config.groups.includes(`${alg}:unique`)) uniques[alg] = await mint(alg, config.unique, 'unique')
}
console.log(`# tokens minted in ${((Date.now() - mintStarted) / 1000).toFixed(1)}s`)

let micro
if (config.micro) {
  micro = await runMicro(issuer, pools, config.microMs)
}

const results = []
if (config.http) {
  for (let round = 1; round <= config.rounds; round++) {
    for (const run of runs) {
      const one = pools[run.alg].slice(0, 1)
      const warmTokens = run.mode === 'same' ? one : pools[run.alg]
      const tokens = run.mode === 'same' ? one : run.mode === 'pool' ? pools[run.alg] : uniques[run.alg]
      const result = await measure(run.scenario, run.alg, run.mode, warmTokens, tokens, issuer)
      results.push({ round, ...result })
      process.stderr.write(`round ${round} ${run.scenario} ${run.bare ? '' : run.alg + ' '}${run.mode}: ` +
        `${result.rps.toFixed(0)} req/s, p99 ${result.p99} ms, ${result.cpuPerRequest.toFixed(0)} µs CPU/req, ` +
        `${result.rss.toFixed(0)} MB${result.errors ? `, ${result.errors} errors` : ''}${result.reused ? `, ${result.reused} reused tokens` : ''}\n`)
    }
  }
}
await issuer.close()

const report = renderTables({ config, results, micro, pinned, loadavg: os.loadavg(), elapsedSeconds: (Date.now() - started) / 1000 })
console.log(report)
const outDir = join(here, '..', 'results')
mkdirSync(outDir, { recursive: true })
const stamp = new Date().toISOString().replace(/[:.]/g, '-')
writeFileSync(join(outDir, `bench-${stamp}.md`), report)
writeFileSync(join(outDir, `bench-${stamp}.json`), JSON.stringify({ config: { ...config, only: String(config.only) }, results, micro }, null, 2))
console.log(`\nResults written to bench/results/bench-${stamp}.{md,json}`)
if (results.length > 0) {
  writeFileSync(join(outDir, 'ratios.svg'), renderRatioChart({ config, results }))
  console.log('Ratio chart written to bench/results/ratios.svg')
}
