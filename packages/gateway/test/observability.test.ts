/**
 * Metrics (prom-client, on the gateway's listener) and tracing (the global OpenTelemetry
 * tracer): the counters after allowed and refused requests, the spans the adapters produce,
 * joined to the proxy's trace.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { context, propagation, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { forwardAsk, rulesYaml, send, startFixture, type Fixture } from './fixture.js'

function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`))
  return line === undefined ? 0 : Number(line.split(' ').pop())
}

describe('metrics', () => {
  let f: Fixture | undefined
  afterEach(async () => {
    await f?.close()
    f = undefined
  })

  it('serves the core and gateway counters at metrics.path', async () => {
    const limited = rulesYaml().replace('  - name: maybe\n', '  - name: limited\n    path: /limited\n    rateLimit: { points: 1, duration: 60 }\n  - name: maybe\n')
    f = await startFixture(limited, '', { top: 'metrics: { enabled: true, path: /internal/metrics }\n' })
    const read = `Bearer ${await f.token('docs:read')}`
    expect((await forwardAsk(f.port, 'GET', '/docs/eng-1', { authorization: read })).status).toBe(200)
    expect((await forwardAsk(f.port, 'GET', '/docs/eng-2', { authorization: read })).status).toBe(200)
    expect((await forwardAsk(f.port, 'GET', '/docs/hr-1', { authorization: read })).status).toBe(403)
    expect((await forwardAsk(f.port, 'DELETE', '/docs/eng-1', { authorization: read })).status).toBe(403)
    expect((await forwardAsk(f.port, 'GET', '/docs/eng-1')).status).toBe(401)
    expect((await forwardAsk(f.port, 'GET', '/docs/eng-1', { authorization: 'Bearer x.y.z' })).status).toBe(401)
    expect((await forwardAsk(f.port, 'GET', '/limited', { authorization: read })).status).toBe(200)
    expect((await forwardAsk(f.port, 'GET', '/limited', { authorization: read })).status).toBe(429)

    expect((await send(f.port, '/metrics', {})).status).toBe(404)
    const res = await send(f.port, '/internal/metrics', {})
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toContain('text/plain')
    const text = res.text
    expect(sample(text, 'portcullis_token_verifications_total', 'outcome="accepted",reason="none"')).toBe(6)
    expect(sample(text, 'portcullis_token_verifications_total', 'outcome="rejected",reason="malformed"')).toBe(1)
    expect(sample(text, 'portcullis_authz_decisions_total', 'requirement="scope",decision="permit"')).toBe(3)
    expect(sample(text, 'portcullis_authz_decisions_total', 'requirement="scope",decision="deny"')).toBe(1)
    expect(sample(text, 'portcullis_authz_decisions_total', 'requirement="policy",decision="permit"')).toBe(2)
    expect(sample(text, 'portcullis_authz_decisions_total', 'requirement="policy",decision="deny"')).toBe(1)
    expect(sample(text, 'portcullis_rate_limit_rejections_total', '')).toBe(0)
    expect(text).toMatch(/^portcullis_rate_limit_rejections_total 1$/m)
    expect(sample(text, 'portcullis_gateway_answers_total', 'protocol="forward",status="200"')).toBe(3)
    expect(sample(text, 'portcullis_gateway_answers_total', 'protocol="forward",status="403"')).toBe(2)
    expect(sample(text, 'portcullis_gateway_answers_total', 'protocol="forward",status="401"')).toBe(2)
    expect(sample(text, 'portcullis_gateway_answers_total', 'protocol="forward",status="429"')).toBe(1)
    expect(text).toContain('process_cpu_seconds_total')
    // Never a subject, a token or a path in a label.
    expect(text).not.toMatch(/user-123|eng-1|docs:read/)
  })

  it('is off by default', async () => {
    f = await startFixture()
    expect((await send(f.port, '/metrics', {})).status).toBe(404)
  })
})

describe('tracing', () => {
  const exporter = new InMemorySpanExporter()
  let f: Fixture | undefined
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }))
    // What an OpenTelemetry SDK registers: W3C trace context (traceparent).
    propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  })
  afterAll(async () => {
    await f?.close()
    trace.disable()
    propagation.disable()
    context.disable()
  })

  it('produces the verification and decision spans of the adapters, in the trace the proxy sent', async () => {
    f = await startFixture(rulesYaml(), '', { top: 'tracing: true\n' })
    exporter.reset()
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
    const parent = '00f067aa0ba902b7'
    const traceparent = `00-${traceId}-${parent}-01`
    const read = `Bearer ${await f.token('docs:read')}`
    expect((await forwardAsk(f.port, 'GET', '/docs/eng-1', { authorization: read, traceparent })).status).toBe(200)
    expect((await forwardAsk(f.port, 'GET', '/docs/hr-1', { authorization: read, traceparent })).status).toBe(403)
    // The readiness warm-up at start verifies a placeholder in a trace of its own.
    const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId)
    const verify = spans.filter((s) => s.name === 'portcullis.verify_token')
    const decide = spans.filter((s) => s.name === 'portcullis.authorize')
    expect(verify.map((s) => s.attributes['portcullis.authn.outcome'])).toEqual(['accepted', 'accepted'])
    expect(decide.map((s) => s.attributes['portcullis.authz.decision'])).toEqual(['Permit', 'NotApplicable'])
    expect(spans).toHaveLength(4)
    for (const span of spans) expect(span.parentSpanContext?.spanId).toBe(parent)
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain(read.split('.')[2])
  })
})
