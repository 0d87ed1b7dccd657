// Turns raw runs into the Markdown tables printed by `npm run bench`.

const median = (values) => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return NaN
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const fmt = (value, digits = 0) => (Number.isFinite(value) ? value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-')
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : '-')
const PEERS = /-(auth0|jwt|jose)$/

function summarize(results) {
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
    })
  }
  return rows
}

/** The report: one table per algorithm and mode, the micro-benchmark, and the targets. */
export function renderTables({ config, results, micro, pinned, loadavg, elapsedSeconds }) {
  const rows = summarize(results)
  const out = []
  const bare = (framework, mode) => rows.find((r) => r.scenario === `${framework}-bare` && r.mode === mode)
  const targets = []
  for (const group of config.groups) {
    const [alg, mode] = group.split(':')
    const inGroup = rows.filter((r) => !r.scenario.endsWith('-bare') && r.alg === alg && r.mode === mode)
    if (inGroup.length === 0) continue
    out.push(`\n## ${alg}, ${mode === 'same' ? 'same token repeated' : `${config.pool.toLocaleString('en-US')} rotating tokens`}\n`)
    out.push('| server | req/s | p50 ms | p99 ms | CPU µs/req | RSS MB | vs bare | vs best peer | CPU: vs bare | CPU: vs best peer |')
    out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
    for (const framework of ['express', 'koa']) {
      const base = bare(framework, mode)
      const own = inGroup.filter((r) => r.scenario.startsWith(`${framework}-`))
      const peers = own.filter((r) => PEERS.test(r.scenario))
      const best = peers.reduce((a, b) => (a === undefined || b.rps > a.rps ? b : a), undefined)
      // The CPU view: throughput a saturated core would reach, 1 / (CPU per request).
      const bestCpu = peers.reduce((a, b) => (a === undefined || b.cpu < a.cpu ? b : a), undefined)
      const cpuRatio = (r, other) => ratio(1 / r.cpu, 1 / other?.cpu)
      const line = (r, isBare) =>
        `| ${r.scenario}${r.errors ? ` (${r.errors} errors)` : ''} | ${fmt(r.rps)} | ${fmt(r.p50, 1)} | ${fmt(r.p99, 1)} | ${fmt(r.cpu)} | ${fmt(r.rss)} | ` +
        `${isBare ? '1.00x' : ratio(r.rps, base?.rps)} | ${isBare || PEERS.test(r.scenario) ? '' : ratio(r.rps, best?.rps)} | ` +
        `${isBare ? '1.00x' : cpuRatio(r, base)} | ${isBare || PEERS.test(r.scenario) ? '' : cpuRatio(r, bestCpu)} |`
      if (base) out.push(line(base, true))
      for (const r of own) out.push(line(r, false))
      const pc = own.find((r) => r.scenario === `${framework}-portcullis`)
      if (pc && base) {
        const both = (name, other, min) => targets.push([name, pc.rps / other.rps, min, undefined, other.cpu / pc.cpu])
        if (mode === 'same') both(`${framework} ${alg} same token >= 0.9x bare`, base, 0.9)
        if (mode === 'rotating') {
          const min = alg === 'RS256' ? 1.5 : 1.3
          if (best) both(`${framework} ${alg} rotating >= ${min}x best peer (req/s: ${best.scenario}; CPU: ${bestCpu.scenario})`, best, min)
          if (best) targets[targets.length - 1][4] = bestCpu.cpu / pc.cpu
          if (alg === 'RS256') both(`${framework} ${alg} rotating >= 0.6x bare`, base, 0.6)
        }
      }
    }
  }
  for (const framework of ['express', 'koa']) {
    const same = rows.find((r) => r.scenario === `${framework}-portcullis` && r.mode === 'same')
    const rotating = rows.filter((r) => r.scenario === `${framework}-portcullis` && r.mode === 'rotating')
    for (const r of rotating) {
      if (same) targets.push([`${framework} ${r.alg} RSS rotating within 50 MB of same-token (${fmt(r.rss)} vs ${fmt(same.rss)} MB)`, same.rss + 50 - r.rss, 0, 'MB margin'])
    }
  }
  if (micro) {
    out.push('\n## Verification micro-benchmark (one core, in process, verifications/s)\n')
    out.push('| alg | Portcullis (cache off) | Portcullis (cache hit) | jose jwtVerify | Portcullis / jose |')
    out.push('|---|---:|---:|---:|---:|')
    for (const m of micro) out.push(`| ${m.alg} | ${fmt(m.portcullis)} | ${fmt(m.portcullisCached)} | ${fmt(m.jose)} | ${ratio(m.portcullis, m.jose)} |`)
  }
  if (targets.length > 0) {
    out.push('\n## Targets (issue 5)\n')
    out.push('| target | req/s ratio | met | CPU/request ratio | met |')
    out.push('|---|---:|---|---:|---|')
    for (const [name, value, min, unit, cpu] of targets) {
      const cpuCells = cpu === undefined ? '| | |' : `| ${cpu.toFixed(2)}x | ${cpu >= min ? 'yes' : 'NO'} |`
      out.push(`| ${name} | ${unit ? `${fmt(value)} ${unit}` : `${value.toFixed(2)}x`} | ${value >= min ? 'yes' : 'NO'} ${cpuCells}`)
    }
  }
  out.push(`\nMedian of ${config.rounds} round(s); ${config.duration}s per run after ${config.warmup}s warm-up; ${config.connections} connections; ` +
    `${pinned ? 'server pinned to core 0, autocannon to core 1' : 'not pinned'}; load average at the end ${loadavg.map((l) => l.toFixed(2)).join(' ')}; ` +
    `total ${Math.round(elapsedSeconds)}s.`)
  return out.join('\n')
}
