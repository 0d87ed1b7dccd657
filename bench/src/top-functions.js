// Prints the functions with the most self time in a V8 .cpuprofile (node --cpu-prof).
// Usage: node bench/src/top-functions.js <file.cpuprofile> [count]
import { readFileSync } from 'node:fs'

const [file, count = '30'] = process.argv.slice(2)
const profile = JSON.parse(readFileSync(file, 'utf8'))
const byId = new Map(profile.nodes.map((node) => [node.id, node]))
const self = new Map()
const deltas = profile.timeDeltas
let total = 0
profile.samples.forEach((id, i) => {
  const node = byId.get(id)
  const { functionName, url, lineNumber } = node.callFrame
  const key = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '~/').replace(/^file:\/\/.*\/packages\//, 'packages/')}:${lineNumber + 1}`
  const dt = deltas[i] ?? 0
  total += dt
  self.set(key, (self.get(key) ?? 0) + dt)
})
const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(count))
for (const [key, us] of rows) console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${key}`)
