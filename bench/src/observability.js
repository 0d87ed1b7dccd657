// Hot-path cost of metrics, tracing and audit on a cache-hit verification, in process (no HTTP):
//   npm run build && node bench/src/observability.js
// The same authenticator options with and without each feature; rounds are interleaved
// (A B C ... A B C ...) so a slow phase of a shared machine hurts every scenario alike, and the
// median of the rounds is reported, as verifications per second and as the ratio to the
// baseline (the overhead target is under 10% for metrics and for tracing).
import { context, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { AlwaysOffSampler, BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base'
import client from 'prom-client'
import { createAuditPipeline, createAuthenticator, createMetrics } from '@portcullis/core'
import { createIssuer } from '@portcullis/testing'

const ROUNDS = Number(process.env.ROUNDS ?? 7)
const MS = Number(process.env.MS ?? 1000)

async function rate(fn, ms) {
  let count = 0
  const end = performance.now() + ms
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) await fn()
    count += 100
  }
  return (count / ms) * 1000
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

const issuer = await createIssuer()
const token = await issuer.mint({ sub: 'alice', scope: 'orders:read' })
const keys = { keys: issuer.keys.map((key) => key.publicJwk) }
const base = { issuer: issuer.issuer, audience: issuer.audience, keys }
const request = { method: 'GET', url: '/orders', headers: { authorization: `Bearer ${token}` } }

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
// A recording SDK whose exporter discards: the cost of creating, recording and batching spans.
const discard = { export: (_spans, done) => done({ code: 0 }), shutdown: () => Promise.resolve() }
const recording = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard, { maxQueueSize: 100_000 })] }).getTracer('bench')
// Head sampling off (a common production setting): spans are created but not recorded.
const unsampled = new BasicTracerProvider({ sampler: new AlwaysOffSampler() }).getTracer('bench')
// The API without any SDK registered: what a library user pays for having the tracer option on.
const noop = trace.getTracer('bench')

const scenarios = {
  baseline: createAuthenticator(base),
  metrics: createAuthenticator({ ...base, metrics: createMetrics({ client, registry: new client.Registry() }) }),
  'tracing (API only, no SDK)': createAuthenticator({ ...base, tracer: noop }),
  'tracing (SDK, sampled out)': createAuthenticator({ ...base, tracer: unsampled }),
  'tracing (SDK, recording)': createAuthenticator({ ...base, tracer: recording }),
  'metrics + tracing (SDK, recording)': createAuthenticator({ ...base, tracer: recording, metrics: createMetrics({ client, registry: new client.Registry() }) }),
  'audit pipeline (no-op sink, permits sampled at 1%)': createAuthenticator({ ...base, audit: createAuditPipeline({ sinks: [() => undefined], sampleRate: 0.01 }) }),
  'audit pipeline (no-op sink, every event)': createAuthenticator({ ...base, audit: createAuditPipeline({ sinks: [() => undefined], bufferSize: 100_000 }) }),
}

// Reference: the SDK's own price of one recorded span (start, one attribute, end) around the
// baseline, to tell the SDK's cost from what Portcullis adds.
const plain = scenarios.baseline
scenarios['reference: baseline + one empty recorded SDK span'] = {
  authenticate(req) {
    const span = recording.startSpan('reference', { kind: 0 })
    span.setAttribute('reference', true)
    return plain.authenticate(req).finally(() => span.end())
  },
}

const results = Object.fromEntries(Object.keys(scenarios).map((name) => [name, []]))
for (const auth of Object.values(scenarios)) await rate(() => auth.authenticate(request), 300) // warm-up, cache filled
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, auth] of Object.entries(scenarios)) results[name].push(await rate(() => auth.authenticate(request), MS))
}
await issuer.close()

const baseline = median(results.baseline)
console.log(`Cache-hit verification, ${ROUNDS} rounds x ${MS} ms, median (Node ${process.version})\n`)
console.log('| scenario | verifications/s | µs each | cost vs baseline |')
console.log('| --- | ---: | ---: | ---: |')
for (const [name, values] of Object.entries(results)) {
  const m = median(values)
  const cost = name === 'baseline' ? '' : `${(((baseline / m) - 1) * 100).toFixed(1)}%`
  console.log(`| ${name} | ${m.toFixed(0)} | ${(1e6 / m).toFixed(2)} | ${cost} |`)
}

// Isolated: what the instrumentation itself costs per verification, free of the run-to-run
// noise of the end-to-end numbers above (a shared machine moves those by several percent).
function perCall(fn, n = 2_000_000) {
  for (let i = 0; i < 100_000; i++) fn()
  const start = performance.now()
  for (let i = 0; i < n; i++) fn()
  return ((performance.now() - start) * 1e6) / n
}
const isolatedMetrics = createMetrics({ client, registry: new client.Registry() })
const verifySpan = (tracer) => () => {
  const span = tracer.startSpan('portcullis.verify_token', { kind: 0 })
  span.setAttribute('portcullis.authn.cache_hit', true)
  span.setAttribute('portcullis.authn.outcome', 'accepted')
  span.setAttribute('portcullis.oauth.token_format', 'jwt')
  span.setAttribute('portcullis.oauth.token_type', 'bearer')
  span.setAttribute('portcullis.oauth.client_id', 'app')
  span.end()
}
const isolated = {
  'metrics (recordTokenCache + recordVerification)': perCall(() => {
    isolatedMetrics.recordTokenCache(true)
    isolatedMetrics.recordVerification('accepted', 'none')
  }),
  'verification span, API only (no SDK)': perCall(verifySpan(noop)),
  'verification span, SDK sampled out': perCall(verifySpan(unsampled)),
  'verification span, SDK recording': perCall(verifySpan(recording), 300_000),
}
const baselineNs = 1e9 / baseline
console.log(`\nIsolated cost per verification (baseline ${(baselineNs / 1000).toFixed(2)} µs)\n`)
console.log('| instrumentation | ns | share of a cache-hit verification |')
console.log('| --- | ---: | ---: |')
for (const [name, ns] of Object.entries(isolated)) console.log(`| ${name} | ${ns.toFixed(0)} | ${((ns / baselineNs) * 100).toFixed(1)}% |`)
process.exit(0)
