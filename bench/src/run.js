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

const here = dirname(fileURLToPath(import.meta.url))
const env = process.env
const list = (value, fallback) => (value === undefined || value === '' ? fallback : value.split(',').map((s) => s.trim()).filter(Boolean))

const config = {
  duration: Number(env.BENCH_DURATION ?? 2.5),
  warmup: Number(env.BENCH_WARMUP ?? 0.75),
  rounds: Number(env.BENCH_ROUNDS ?? 3),
  connections: Number(env.BENCH_CONNECTIONS ?? 50),
  pool: Number(env.BENCH_POOL ?? 10_000),
  // "alg:mode" groups; the default covers the targets of issue 5 in under ~10 minutes.
  groups: list(env.BENCH_GROUPS, ['RS256:same', 'RS256:rotating', 'ES256:rotating', 'EdDSA:rotating']),
  // A regular expression on scenario names, e.g. BENCH_ONLY='koa' or 'portcullis|bare'.
  only: env.BENCH_ONLY === undefined ? undefined : new RegExp(env.BENCH_ONLY),
  micro: env.BENCH_MICRO !== '0',
  http: env.BENCH_HTTP !== '0',
  microMs: Number(env.BENCH_MICRO_MS ?? 1000),
  // BENCH_PROFILE=1: each server writes a V8 CPU profile to bench/results/profiles/.
  profile: env.BENCH_PROFILE === '1',
}
if (env.BENCH_GROUPS === 'all') config.groups = ['RS256', 'ES256', 'EdDSA'].flatMap((a) => [`${a}:same`, `${a}:rotating`])

const BARE = ['express-bare', 'koa-bare']
const PROTECTED = [
  'express-portcullis', 'express-portcullis-nocache', 'express-portcullis-policy', 'express-auth0', 'express-jwt', 'express-jose',
  'koa-portcullis', 'koa-portcullis-nocache', 'koa-portcullis-policy', 'koa-jwt', 'koa-jose',
]
// express-jwt and koa-jwt verify with jsonwebtoken, which has no EdDSA: those runs are skipped.
const UNSUPPORTED = { 'express-jwt': ['EdDSA'], 'koa-jwt': ['EdDSA'] }
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
  return new Promise((resolve, reject) => autocannon(options, (error, result) => (error ? reject(error) : resolve(result))))
}

async function measure(scenario, alg, mode, tokens, issuer) {
  const { child, port } = await startServer(scenario, alg, issuer)
  try {
    await load(port, tokens, config.warmup)
    // Portcullis' verified-token cache is meant to be warm in steady state: with rotating
    // tokens, one pass over the pool fills it (the "-nocache" scenarios show the cold cost).
    if (mode === 'rotating' && /portcullis(-policy)?$/.test(scenario)) await load(port, tokens, 0, tokens.length)
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
const modes = [...new Set(config.groups.map((g) => g.split(':')[1]))]
for (const mode of modes) for (const scenario of BARE) if (wanted(scenario)) runs.unshift({ scenario, alg: 'RS256', mode, bare: true })

const started = Date.now()
console.log(`# Portcullis bench: node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ` +
  `load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, ${pinned ? 'server on core 0, load generator on core 1 (taskset)' : 'NOT pinned (no taskset)'}`)
console.log(`# ${config.rounds} round(s) x ${runs.length} runs, ${config.duration}s each after ${config.warmup}s warm-up, ` +
  `${config.connections} connections, rotating pool ${config.pool} tokens`)

const issuer = await createIssuer({ algorithms: ['RS256', 'ES256', 'EdDSA'], tokenLifetime: 6 * 3600 })
const pools = {}
for (const alg of ['RS256', 'ES256', 'EdDSA']) {
  const size = config.groups.some((g) => g === `${alg}:rotating`) ? config.pool : 1
  const tokens = []
  for (let i = 0; i < size; i++) tokens.push(await issuer.mint({ scope: 'bench:read orders:write', sub: `user-${i}` }, { alg }))
  pools[alg] = tokens
}

let micro
if (config.micro) {
  micro = await runMicro(issuer, pools, config.microMs)
}

const results = []
if (config.http) {
  for (let round = 1; round <= config.rounds; round++) {
    for (const run of runs) {
      const tokens = run.mode === 'rotating' ? pools[run.alg] : pools[run.alg].slice(0, 1)
      const result = await measure(run.scenario, run.alg, run.mode, tokens, issuer)
      results.push({ round, ...result })
      process.stderr.write(`round ${round} ${run.scenario} ${run.bare ? '' : run.alg + ' '}${run.mode}: ` +
        `${result.rps.toFixed(0)} req/s, p99 ${result.p99} ms, ${result.cpuPerRequest.toFixed(0)} µs CPU/req, ` +
        `${result.rss.toFixed(0)} MB${result.errors ? `, ${result.errors} errors` : ''}\n`)
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
