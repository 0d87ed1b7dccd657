// Turns raw runs into the Markdown tables printed by `npm run bench`.

const median = (values) => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return NaN
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const fmt = (value, digits = 0) => (Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-')
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : '-')
/** The peers: the libraries users would otherwise pick (the "best peer" is the fastest of them). */
export const PEERS = /-(auth0|jwt|jose)$/
export const FRAMEWORKS = ['express', 'koa', 'fastify']
/** The `*-portcullis-<feature>` scenarios of BENCH_OBSERVABILITY=1, by suffix. */
export const OBSERVED_FEATURES = {
  ratelimit: 'rate limiting (rateLimit() per subject, memory store)',
  metrics: 'metrics (prom-client, createMetrics)',
  tracing: 'tracing (OpenTelemetry SDK, BatchSpanProcessor)',
}
/** The overhead target of the observability features on a protected route. */
export const OBSERVED_TARGET = 0.1
export const MODE_TITLES = {
  same: 'same token repeated',
  pool: 'a warmed pool of rotating tokens',
  unique: 'a token never seen before on every request',
}

export function summarize(results) {
  const byKey = new Map()
  for (const r of results) {
    const key = `${r.scenario}|${r.scenario.endsWith('-bare') ? '' : r.alg}|${r.mode}`
    if (!byKey.has(key)) byKey.set(key, [])
    byKey.get(key).push(r)
  }
  const rows = []
  for (const runs of byKey.values()) {
    const { scenario, alg, mode } = runs[0]
    rows.push({
      scenario, alg, mode, rounds: runs.length,
      rps: median(runs.map((r) => r.rps)),
      p50: median(runs.map((r) => r.p50)),
      p99: median(runs.map((r) => r.p99)),
      cpu: median(runs.map((r) => r.cpuPerRequest)),
      rss: median(runs.map((r) => r.rss)),
      errors: runs.reduce((n, r) => n + r.errors, 0),
      reused: runs.reduce((n, r) => n + (r.reused ?? 0), 0),
    })
  }
  return rows
}

/**
 * The req/s ratios of each protected scenario, per mode, algorithm and framework: to the bare
 * framework of the same mode, and to the fastest peer on the same framework, algorithm and mode.
 */
export function ratioRows(rows) {
  const out = []
  for (const r of rows) {
    if (r.scenario.endsWith('-bare')) continue
    const framework = r.scenario.split('-')[0]
    const base = rows.find((b) => b.scenario === `${framework}-bare` && b.mode === r.mode)
    const peers = rows.filter((p) => p.mode === r.mode && p.alg === r.alg && p.scenario.startsWith(`${framework}-`) && PEERS.test(p.scenario))
    const best = peers.reduce((a, b) => (a === undefined || b.rps > a.rps ? b : a), undefined)
    out.push({
      scenario: r.scenario, framework, alg: r.alg, mode: r.mode,
      vsBare: base ? r.rps / base.rps : NaN,
      vsBest: best && !PEERS.test(r.scenario) ? r.rps / best.rps : NaN,
      best: best?.scenario,
    })
  }
  return out
}

/** The report: one table per algorithm and mode, a ratio table per mode, the micro-benchmark. */
export function renderTables({ config, results, micro, pinned, loadavg, elapsedSeconds }) {
  const rows = summarize(results)
  const out = []
  const bare = (framework, mode) => rows.find((r) => r.scenario === `${framework}-bare` && r.mode === mode)
  const modeTitle = (mode) => (mode === 'pool' ? `${config.pool.toLocaleString('en-US')} pooled tokens (warmed)` : MODE_TITLES[mode])
  for (const group of config.groups) {
    const [alg, mode] = group.split(':')
    const inGroup = rows.filter((r) => !r.scenario.endsWith('-bare') && r.alg === alg && r.mode === mode)
    if (inGroup.length === 0) continue
    out.push(`\n## ${alg}, ${modeTitle(mode)}\n`)
    out.push('| server | req/s | p50 ms | p99 ms | CPU µs/req | RSS MB | vs bare | vs best peer | CPU: vs bare | CPU: vs best peer |')
    out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
    for (const framework of FRAMEWORKS) {
      const base = bare(framework, mode)
      const own = inGroup.filter((r) => r.scenario.startsWith(`${framework}-`))
      const peers = own.filter((r) => PEERS.test(r.scenario))
      const best = peers.reduce((a, b) => (a === undefined || b.rps > a.rps ? b : a), undefined)
      // The CPU view: throughput a saturated core would reach, 1 / (CPU per request).
      const bestCpu = peers.reduce((a, b) => (a === undefined || b.cpu < a.cpu ? b : a), undefined)
      const cpuRatio = (r, other) => ratio(1 / r.cpu, 1 / other?.cpu)
      const notes = (r) => [r.errors ? `${r.errors} errors` : '', r.reused ? `${r.reused} reused tokens` : ''].filter(Boolean).join(', ')
      const line = (r, isBare) =>
        `| ${r.scenario}${notes(r) ? ` (${notes(r)})` : ''} | ${fmt(r.rps)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.cpu)} | ${fmt(r.rss)} | ` +
        `${isBare ? '1.00x' : ratio(r.rps, base?.rps)} | ${isBare || PEERS.test(r.scenario) ? '' : ratio(r.rps, best?.rps)} | ` +
        `${isBare ? '1.00x' : cpuRatio(r, base)} | ${isBare || PEERS.test(r.scenario) ? '' : cpuRatio(r, bestCpu)} |`
      if (base) out.push(line(base, true))
      for (const r of own) out.push(line(r, false))
    }
  }
  // One plain table per mode: the req/s ratios of every scenario, one column pair per algorithm.
  const ratios = ratioRows(rows)
  for (const mode of config.modes) {
    const inMode = ratios.filter((r) => r.mode === mode)
    if (inMode.length === 0) continue
    const algs = config.algs.filter((alg) => inMode.some((r) => r.alg === alg))
    out.push(`\n## Ratios (req/s), ${modeTitle(mode)}\n`)
    out.push(`| server | ${algs.map((a) => `${a} vs bare | ${a} vs best peer`).join(' | ')} |`)
    out.push(`|---|${algs.map(() => '---:|---:').join('|')}|`)
    for (const scenario of [...new Set(inMode.map((r) => r.scenario))]) {
      const cells = algs.map((alg) => {
        const r = inMode.find((x) => x.scenario === scenario && x.alg === alg)
        return r === undefined ? '- | -' : `${fmt(r.vsBare, 2)}x | ${Number.isFinite(r.vsBest) ? `${fmt(r.vsBest, 2)}x` : ''}`
      })
      out.push(`| ${scenario} | ${cells.join(' | ')} |`)
    }
  }
  out.push(...observabilityTable(rows, config, modeTitle))
  if (micro) {
    out.push('\n## Verification micro-benchmark (one core, in process, verifications/s)\n')
    out.push('| alg | Portcullis (cache off) | Portcullis (cache hit) | jose jwtVerify | Portcullis / jose |')
    out.push('|---|---:|---:|---:|---:|')
    for (const m of micro) out.push(`| ${m.alg} | ${fmt(m.portcullis)} | ${fmt(m.portcullisCached)} | ${fmt(m.jose)} | ${ratio(m.portcullis, m.jose)} |`)
  }
  out.push(`\nMedian of ${config.rounds} round(s); ${config.duration}s per run after ${config.warmupRequests} warm-up requests; ${config.connections} connections; ` +
    `${pinned ? 'server pinned to core 0, autocannon to core 1' : 'not pinned'}; load average at the end ${loadavg.map((l) => l.toFixed(2)).join(' ')}; ` +
    `total ${Math.round(elapsedSeconds)}s.`)
  return out.join('\n')
}

/**
 * The cost of each observability feature: every `<framework>-portcullis-<feature>` row against
 * `<framework>-portcullis` of the same run, algorithm and mode. Cost in req/s is 1 - ratio;
 * cost in CPU is the extra CPU per request. Empty without BENCH_OBSERVABILITY=1 runs.
 */
export function observabilityRows(rows) {
  const out = []
  for (const r of rows) {
    const match = /^(\w+)-portcullis-(\w+)$/.exec(r.scenario)
    if (match === null || !(match[2] in OBSERVED_FEATURES)) continue
    const [, framework, feature] = match
    const plain = rows.find((p) => p.scenario === `${framework}-portcullis` && p.alg === r.alg && p.mode === r.mode)
    out.push({
      framework, feature, alg: r.alg, mode: r.mode, rps: r.rps, cpu: r.cpu, errors: r.errors,
      plainRps: plain?.rps ?? NaN, plainCpu: plain?.cpu ?? NaN,
      rpsCost: plain ? 1 - r.rps / plain.rps : NaN,
      cpuCost: plain ? r.cpu / plain.cpu - 1 : NaN,
    })
  }
  return out
}

function observabilityTable(rows, config, modeTitle) {
  const costs = observabilityRows(rows)
  if (costs.length === 0) return []
  const pct = (v) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '-')
  const verdict = (v) => (Number.isFinite(v) ? (v < OBSERVED_TARGET ? 'yes' : 'NO') : '-')
  const out = []
  out.push('\n## Cost of rate limiting, metrics and tracing\n')
  out.push(`Each feature on the protected route of \`<framework>-portcullis\`, against that scenario in the same run (same algorithm and mode). ` +
    `Cost = 1 - req/s ratio, and the extra CPU per request; target: under ${OBSERVED_TARGET * 100}%.\n`)
  out.push('| alg, mode | framework | feature | req/s | plain req/s | req/s ratio | cost (req/s) | CPU µs/req | plain CPU µs/req | cost (CPU) | under target (req/s, CPU) |')
  out.push('|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|')
  for (const group of config.groups) {
    const [alg, mode] = group.split(':')
    for (const framework of FRAMEWORKS) {
      for (const feature of Object.keys(OBSERVED_FEATURES)) {
        const c = costs.find((x) => x.alg === alg && x.mode === mode && x.framework === framework && x.feature === feature)
        if (c === undefined) continue
        out.push(`| ${alg}, ${modeTitle(mode)} | ${framework} | ${OBSERVED_FEATURES[feature]}${c.errors ? ` (${c.errors} errors)` : ''} | ${fmt(c.rps)} | ${fmt(c.plainRps)} | ` +
          `${ratio(c.rps, c.plainRps)} | ${pct(c.rpsCost)} | ${fmt(c.cpu, 1)} | ${fmt(c.plainCpu, 1)} | ${pct(c.cpuCost)} | ${verdict(c.rpsCost)}, ${verdict(c.cpuCost)} |`)
      }
    }
  }
  return out
}
