// The ratio chart of `npm run bench`: an SVG written as text (no dependency). Grouped bars, one
// group per framework x mode, for the `<framework>-portcullis` scenario (defaults, cache on):
// per algorithm, its req/s against the bare framework (light) and against the best peer (dark).
import { FRAMEWORKS, ratioRows, summarize } from './report.js'

const COLORS = { RS256: ['#a9c4e0', '#2f6497'], ES256: ['#f7c59a', '#c8621a'], EdDSA: ['#a8d5a0', '#3b7d32'] }
const BAR = 16
const GAP = 3
const GROUP_GAP = 36
const TOP = 56
const PLOT = 260
const LEFT = 48

const escape = (text) => String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c])

/** The SVG text of the ratio chart for the runs of one bench. */
export function renderRatioChart({ config, results }) {
  const ratios = ratioRows(summarize(results))
  const groups = []
  for (const framework of FRAMEWORKS) {
    for (const mode of config.modes) {
      const bars = []
      for (const alg of config.algs) {
        const r = ratios.find((x) => x.scenario === `${framework}-portcullis` && x.mode === mode && x.alg === alg)
        if (r === undefined) continue
        bars.push({ alg, kind: 'vs bare', value: r.vsBare, shade: 0 })
        bars.push({ alg, kind: `vs best peer${r.best ? ` (${r.best})` : ''}`, value: r.vsBest, shade: 1 })
      }
      if (bars.length > 0) groups.push({ label: `${framework} · ${mode}`, bars })
    }
  }
  const values = groups.flatMap((g) => g.bars.map((b) => b.value)).filter(Number.isFinite)
  const top = Math.max(1.2, Math.ceil(Math.max(0, ...values) * 5) / 5)
  const y = (v) => TOP + PLOT - (Math.min(v, top) / top) * PLOT
  const barsWidth = (g) => g.bars.length * (BAR + GAP) - GAP
  // A group is at least as wide as its label.
  const groupWidth = (g) => Math.max(barsWidth(g), 6 * g.label.length + 8)
  const width = Math.max(LEFT + groups.reduce((w, g) => w + groupWidth(g) + GROUP_GAP, 0) + 16, LEFT + 190 * config.algs.length, 560)
  const height = TOP + PLOT + 48
  const out = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`)
  out.push(`<rect width="100%" height="100%" fill="#fff"/>`)
  out.push(`<text x="${LEFT}" y="18" font-size="13" font-weight="bold">Portcullis req/s ratios (median of ${config.rounds} round(s), ${config.duration}s per run)</text>`)
  // Legend: one swatch pair per algorithm.
  let lx = LEFT
  for (const alg of config.algs) {
    const [light, dark] = COLORS[alg]
    out.push(`<rect x="${lx}" y="28" width="10" height="10" fill="${light}"/><rect x="${lx + 12}" y="28" width="10" height="10" fill="${dark}"/>`)
    out.push(`<text x="${lx + 26}" y="37">${alg}: vs bare / vs best peer</text>`)
    lx += 190
  }
  // Axis, grid and the 1.0 line (parity).
  for (let v = 0; v <= top + 1e-9; v += top > 2 ? 0.5 : 0.2) {
    const yy = y(v).toFixed(1)
    out.push(`<line x1="${LEFT}" x2="${width - 16}" y1="${yy}" y2="${yy}" stroke="#eee"/>`)
    out.push(`<text x="${LEFT - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${v.toFixed(1)}x</text>`)
  }
  out.push(`<line x1="${LEFT}" x2="${width - 16}" y1="${y(1).toFixed(1)}" y2="${y(1).toFixed(1)}" stroke="#555" stroke-dasharray="4 3"/>`)
  let x = LEFT + GROUP_GAP / 2
  for (const group of groups) {
    const start = x
    x += (groupWidth(group) - barsWidth(group)) / 2
    for (const bar of group.bars) {
      if (Number.isFinite(bar.value)) {
        const yy = y(bar.value)
        out.push(`<rect x="${x}" y="${yy.toFixed(1)}" width="${BAR}" height="${(TOP + PLOT - yy).toFixed(1)}" fill="${COLORS[bar.alg][bar.shade]}"><title>${escape(`${group.label}, ${bar.alg} ${bar.kind}: ${bar.value.toFixed(2)}x`)}</title></rect>`)
        out.push(`<text x="${x + BAR / 2}" y="${(yy - 3).toFixed(1)}" text-anchor="middle" font-size="8">${bar.value.toFixed(2)}</text>`)
      }
      x += BAR + GAP
    }
    out.push(`<text x="${start + groupWidth(group) / 2}" y="${TOP + PLOT + 18}" text-anchor="middle">${escape(group.label)}</text>`)
    x = start + groupWidth(group) + GROUP_GAP
  }
  out.push(`<line x1="${LEFT}" x2="${width - 16}" y1="${TOP + PLOT}" y2="${TOP + PLOT}" stroke="#333"/>`)
  out.push(`<text x="${LEFT}" y="${height - 8}" fill="#666">A missing bar: no peer for that algorithm on that framework, or the run failed. Dashed line: parity (1.0x).</text>`)
  out.push('</svg>')
  return out.join('\n') + '\n'
}
