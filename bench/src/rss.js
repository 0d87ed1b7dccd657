// Memory after many distinct tokens: `npm run bench:rss` (after npm run build). One
// createAuthenticator with the default verified-token cache bounds verifies RSS_TOKENS
// (1,000,000) distinct valid tokens, each used twice (so each enters the cache), minted in
// batches on the fly (never all held at once);
// every RSS_SAMPLE_EVERY (100,000) tokens it samples RSS, heapUsed, cache.size and cache.bytes.
// It fails (exit 1) when the cache exceeds its bounds or RSS exceeds
// baseline + cache maxBytes + RSS_SLACK_MB, the baseline being the RSS after a warm-up batch.
// No GC tricks: with `node --expose-gc` it adds one settled sample after a final gc().
import { createAuthenticator } from '@portcullis/core'
import { createIssuer } from '@portcullis/testing'

const env = process.env
const TOKENS = Number(env.RSS_TOKENS ?? 1_000_000)
const EVERY = Number(env.RSS_SAMPLE_EVERY ?? Math.max(1, Math.floor(TOKENS / 10)))
const BATCH = 1000
const ALG = env.RSS_ALG ?? 'EdDSA'
const SLACK = Number(env.RSS_SLACK_MB ?? 64) * 1024 * 1024
// The defaults of requireToken's `cache` option (see packages/core/README.md): 10,000 entries,
// 32 MiB. RSS_MAX_ENTRIES / RSS_MAX_BYTES pass other bounds to the authenticator instead.
const custom = env.RSS_MAX_ENTRIES !== undefined || env.RSS_MAX_BYTES !== undefined
const MAX_ENTRIES = Number(env.RSS_MAX_ENTRIES ?? 10_000)
const MAX_BYTES = Number(env.RSS_MAX_BYTES ?? 32 * 1024 * 1024)

if (!Number.isInteger(TOKENS) || TOKENS < BATCH || !Number.isInteger(EVERY) || EVERY < 1) {
  throw new Error(`RSS_TOKENS must be an integer of at least ${BATCH}, RSS_SAMPLE_EVERY a positive integer`)
}

const issuer = await createIssuer({ algorithms: [ALG], tokenLifetime: 6 * 3600 })
const authenticator = createAuthenticator({
  issuer: issuer.issuer,
  audience: issuer.audience,
  algorithms: [ALG],
  keys: { keys: issuer.keys.map((key) => key.publicJwk) },
  ...(custom ? { cache: { maxEntries: MAX_ENTRIES, maxBytes: MAX_BYTES } } : {}),
})

const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1)
const samples = []
function sample(tokens, note = '') {
  const { rss, heapUsed } = process.memoryUsage()
  const s = { tokens, rss, heapUsed, size: authenticator.cache.size, bytes: authenticator.cache.bytes, note }
  samples.push(s)
  return s
}

// Mints and verifies tokens [from, from + count), BATCH at a time; only one batch is alive.
let minted = 0
async function verify(count) {
  const end = minted + count
  while (minted < end) {
    const n = Math.min(BATCH, end - minted)
    const batch = await Promise.all(Array.from({ length: n }, (_, i) => issuer.mint({ sub: `rss-${minted + i}`, scope: 'bench:read' }, { alg: ALG })))
    for (const token of batch) {
      // Twice: the cache admits a token at its second use, so every token enters it (the worst
      // case for its bounds); a token used once would never be stored.
      const request = { method: 'GET', url: '/orders', headers: { authorization: `Bearer ${token}` } }
      await authenticator.authenticate(request)
      await authenticator.authenticate(request)
    }
    minted += n
  }
}

const started = Date.now()
// Warm-up: one batch (JIT, key import), then the baseline every later sample is held against.
await verify(BATCH)
const baseline = sample(minted, 'baseline (after one warm-up batch)')
const bound = baseline.rss + MAX_BYTES + SLACK
let peak = baseline
while (minted < TOKENS) {
  await verify(Math.min(EVERY - (minted % EVERY), TOKENS - minted))
  if (minted % EVERY === 0 || minted === TOKENS) {
    const s = sample(minted)
    if (s.rss > peak.rss) peak = s
    process.stderr.write(`${minted.toLocaleString('en-US')} tokens, RSS ${mib(s.rss)} MiB, cache ${s.size} entries\n`)
  }
}
if (typeof globalThis.gc === 'function') {
  globalThis.gc()
  sample(minted, 'after gc() (--expose-gc)')
}
await issuer.close()
const seconds = (Date.now() - started) / 1000

console.log(`# RSS after ${TOKENS.toLocaleString('en-US')} distinct ${ALG} tokens (node ${process.version}, ${seconds.toFixed(0)}s, ` +
  `${Math.round(minted / seconds).toLocaleString('en-US')} mint + verify per second)\n`)
console.log(`Cache bounds: ${MAX_ENTRIES.toLocaleString('en-US')} entries, ${mib(MAX_BYTES)} MiB (${custom ? 'RSS_MAX_ENTRIES / RSS_MAX_BYTES' : 'the defaults'}). ` +
  `RSS bound: baseline ${mib(baseline.rss)} MiB + cache maxBytes ${mib(MAX_BYTES)} MiB + slack ${mib(SLACK)} MiB = ${mib(bound)} MiB.\n`)
console.log('| tokens | RSS MiB | heapUsed MiB | cache entries | cache MiB | note |')
console.log('|---:|---:|---:|---:|---:|---|')
for (const s of samples) console.log(`| ${s.tokens.toLocaleString('en-US')} | ${mib(s.rss)} | ${mib(s.heapUsed)} | ${s.size.toLocaleString('en-US')} | ${mib(s.bytes)} | ${s.note} |`)

const failures = []
const overEntries = samples.filter((s) => s.size > MAX_ENTRIES)
const overBytes = samples.filter((s) => s.bytes > MAX_BYTES)
const overRss = samples.filter((s) => s.rss > bound)
if (overEntries.length > 0) failures.push(`the cache held more than ${MAX_ENTRIES} entries (${Math.max(...overEntries.map((s) => s.size))})`)
if (overBytes.length > 0) failures.push(`the cache held more than ${mib(MAX_BYTES)} MiB (${mib(Math.max(...overBytes.map((s) => s.bytes)))})`)
if (overRss.length > 0) failures.push(`RSS reached ${mib(Math.max(...overRss.map((s) => s.rss)))} MiB, over the bound of ${mib(bound)} MiB`)
console.log(`\nCache within maxEntries and maxBytes: ${overEntries.length + overBytes.length === 0 ? 'yes' : 'NO'}. ` +
  `RSS within the bound: ${overRss.length === 0 ? 'yes' : 'NO'} (peak ${mib(peak.rss)} MiB at ${peak.tokens.toLocaleString('en-US')} tokens).`)
if (failures.length > 0) {
  console.error(`FAIL: ${failures.join('; ')}`)
  process.exitCode = 1
}
