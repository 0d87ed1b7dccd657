import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { context, trace, SpanStatusCode } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { createAuthenticator, createTokenPropagator, TokenPropagationError, type CallerToken, type Identity } from '@portcullis/core'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { bearer, rejection } from '../helpers.js'

describe('tracing', () => {
  let issuer: LocalIssuer
  const exporter = new InMemorySpanExporter()
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('test')
  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
    issuer = await createIssuer()
  })
  afterAll(async () => {
    context.disable()
    await issuer.close()
  })

  it('the verification span is a child of the active span, and every exit ends it once', async () => {
    exporter.reset()
    const auth = createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, tracer, optional: true })
    const token = await issuer.mint()
    await tracer.startActiveSpan('request', async (parent) => {
      await auth.authenticate(bearer(token))
      await auth.authenticate({ method: 'GET', url: '/', headers: {} })
      await rejection(() => auth.authenticate({ method: 'GET', url: '/', headers: { authorization: 'Bearer a b' } }))
      parent.end()
    })
    const spans = exporter.getFinishedSpans()
    const parent = spans.find((s) => s.name === 'request')
    const verify = spans.filter((s) => s.name === 'portcullis.verify_token')
    expect(verify.map((s) => s.attributes['portcullis.authn.outcome'])).toEqual(['accepted', 'anonymous', 'rejected'])
    expect(verify[2]?.attributes).toMatchObject({ 'portcullis.authn.reason': 'malformed', 'portcullis.http.status_code': 400 })
    for (const span of verify) {
      expect(span.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId)
      expect(span.status.code).toBe(SpanStatusCode.UNSET)
    }
  })

  it('token propagation runs in its own active span: the exchange and downstream requests are its children', async () => {
    exporter.reset()
    const active: Array<{ url: string; span: string | undefined }> = []
    const recordingFetch = async (url: string, init: RequestInit): Promise<Response> => {
      active.push({ url, span: trace.getActiveSpan()?.spanContext().spanId })
      return fetch(url, init)
    }
    const downstream = 'https://billing.example.test/api/'
    const propagator = createTokenPropagator({
      downstreams: [{ url: downstream }, { url: 'https://inventory.example.test/', audience: 'https://inventory.example' }],
      exchange: { issuer: issuer.issuer, ...issuer.introspectionClient },
      fetch: (url, init) => (url.startsWith(issuer.issuer) ? recordingFetch(url, init) : (active.push({ url, span: trace.getActiveSpan()?.spanContext().spanId }), Promise.resolve(new Response('ok')))),
      tracer,
    })
    const token = await issuer.mint({ sub: 'alice' })
    const auth = createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience })
    const caller: CallerToken = { token, identity: (await auth.authenticate(bearer(token)))?.identity as Identity }
    await propagator.fetch(caller, `${downstream}invoices`)
    await propagator.fetch(caller, 'https://inventory.example.test/stock')
    await expect(propagator.fetch(caller, 'https://evil.example/')).rejects.toBeInstanceOf(TokenPropagationError)
    const spans = exporter.getFinishedSpans().filter((s) => s.name === 'portcullis.propagate_token')
    expect(spans.map((s) => [s.attributes['server.address'], s.attributes['portcullis.propagation.mode'], s.status.code])).toEqual([
      ['billing.example.test', 'forward', SpanStatusCode.UNSET],
      ['inventory.example.test', 'exchange', SpanStatusCode.UNSET],
      ['evil.example', undefined, SpanStatusCode.ERROR],
    ])
    expect(spans[2]?.attributes['error.type']).toBe('downstream_not_allowed')
    // Every outgoing request (the exchange at the issuer included) ran inside its propagation span.
    const ids = spans.map((s) => s.spanContext().spanId)
    expect(active.map((a) => a.span === ids[0] || a.span === ids[1])).toEqual(active.map(() => true))
    expect(active.some((a) => a.url.startsWith(issuer.issuer))).toBe(true)
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain(token.split('.')[2])
    expect(() => createTokenPropagator({ downstreams: [{ url: downstream }], tracer: {} as never })).toThrow(/tracer/)
  })
})
