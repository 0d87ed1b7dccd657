// Cost of anomaly signals on the request path (after npm run build; about 20 s;
// node --expose-gc bench/src/anomaly.js):
// - observe() per request for a non-anomalous request (a key seen before, same network), with
//   the default checks and with the geo checks (a constant locate), over 10,000 active keys;
// - a verified-token cache hit of createAuthenticator without and with `anomalies` (key 'token',
//   so the token digest and the client address are in the figure);
// - the heap one key's summary holds (100,000 keys).
import { createAnomalyDetector, createAuthenticator } from '@portcullis/core'
import { createIssuer } from '@portcullis/testing'

const KEYS = 10_000
const RUN_MS = 3000

function nsPerOp(fn) {
  for (let i = 0; i < 200_000; i++) fn(i)
  let count = 0
  const start = process.hrtime.bigint()
  const end = performance.now() + RUN_MS
  while (performance.now() < end) for (let i = 0; i < 10_000; i++) fn(count++)
  return Number(process.hrtime.bigint() - start) / count
}

async function perRequestNs(fn) {
  for (let i = 0; i < 50_000; i++) await fn(i)
  let count = 0
  const start = process.hrtime.bigint()
  const end = performance.now() + RUN_MS
  while (performance.now() < end) for (let i = 0; i < 1000; i++) await fn(count++)
  return Number(process.hrtime.bigint() - start) / count
}

const keys = Array.from({ length: KEYS }, (_, i) => `key-${i}`)
const addresses = Array.from({ length: KEYS }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.7`)
const place = { country: 'FR', latitude: 48.85, longitude: 2.35 }
let now = Date.UTC(2030, 0, 1)

for (const [name, options] of [['default checks', {}], ['with locate (4 checks)', { locate: () => place }]]) {
  const detector = createAnomalyDetector(options)
  let flagged = 0
  const ns = nsPerOp((i) => {
    const k = i % KEYS
    // 10 ms between requests of the whole set: each key is seen every 100 s, a steady rate.
    if (detector.observe(keys[k], addresses[k], (now += 10)).signals.length > 0) flagged++
  })
  console.log(`observe(), ${name}, non-anomalous: ${ns.toFixed(0)} ns/op (${flagged} flagged)`)
}

const issuer = await createIssuer()
const token = await issuer.mint({ sub: 'alice' }, { expiresIn: 3600 })
const request = { method: 'GET', url: '/orders', headers: { authorization: `Bearer ${token}` }, remoteAddress: '192.0.2.10' }
const base = { issuer: issuer.issuer, audience: issuer.audience, keys: { keys: issuer.keys.map((k) => k.publicJwk) } }
const plain = createAuthenticator(base)
const watched = createAuthenticator({ ...base, anomalies: createAnomalyDetector() })
const a = await perRequestNs(() => plain.authenticate(request))
const b = await perRequestNs(() => watched.authenticate(request))
console.log(`authenticate() cache hit: ${a.toFixed(0)} ns without anomalies, ${b.toFixed(0)} ns with (+${(b - a).toFixed(0)} ns)`)
await issuer.close()

globalThis.gc?.()
const before = process.memoryUsage().heapUsed
const big = createAnomalyDetector({ maxEntries: 100_000 })
for (let i = 0; i < 100_000; i++) big.observe(`t\u0000${i.toString(36).padStart(43, '-')}`, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, now + i)
globalThis.gc?.()
const after = process.memoryUsage().heapUsed
// big.size keeps the detector alive across the second collection.
console.log(`heap per key (default checks, 43-character keys, ${big.size} keys): ~${Math.round((after - before) / big.size)} bytes${globalThis.gc === undefined ? ' (run with node --expose-gc for a steadier figure)' : ''}`)
