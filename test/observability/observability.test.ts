/**
 * Metrics, spans and audit over real HTTP, on Express and Koa: allowed, denied (401, 403 by
 * scope and by policy) and failed (503) requests.
 */
import http from 'node:http'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { context, trace, SpanStatusCode } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base'
import client from 'prom-client'
import request from 'supertest'
import express from 'express'
import Koa from 'koa'
import Router from '@koa/router'
import { createMetrics, createRevocationStore, type AuditEvent, type PortcullisMetrics, type RequireTokenOptions } from '@portcullis/core'
import * as expressAdapter from '@portcullis/express'
import * as koaAdapter from '@portcullis/koa'
import { createPolicyEngine, permit, policy, type PolicyEngine } from '@portcullis/policy'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'

interface Harness {
  readonly server: http.Server
  readonly registry: client.Registry
  readonly exporter: InMemorySpanExporter
  readonly audit: AuditEvent[]
  /** Span ids that were active inside the attribute provider. */
  readonly providerSpans: Array<string | undefined>
  storeDown: boolean
  providerDown: boolean
}

type Build = (options: RequireTokenOptions, engine: PolicyEngine) => http.RequestListener

const buildExpress: Build = (options, engine) => {
  const app = express()
  app.use(expressAdapter.requireToken(options))
  app.get('/orders', expressAdapter.requireScope('orders:read'), (_req, res) => void res.json({ ok: true }))
  app.get('/docs/:id', expressAdapter.requirePolicy(engine, { action: 'read', resourceType: 'doc', resource: (req) => ({ id: req.params['id'] }) }), (_req, res) => void res.json({ ok: true }))
  return app
}

const buildKoa: Build = (options, engine) => {
  const app = new Koa()
  app.silent = true
  app.use(koaAdapter.requireToken(options))
  const router = new Router()
  router.get('/orders', koaAdapter.requireScope('orders:read'), (ctx) => {
    ctx.body = { ok: true }
  })
  router.get('/docs/:id', koaAdapter.requirePolicy(engine, { action: 'read', resourceType: 'doc', resource: (ctx) => ({ id: ctx.params['id'] }) }), (ctx) => {
    ctx.body = { ok: true }
  })
  app.use(router.routes())
  const listener = app.callback()
  return (req, res) => void listener(req, res)
}

const contextManager = new AsyncLocalStorageContextManager()

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable())
})
afterAll(() => {
  context.disable()
})

describe.each([
  ['Express', buildExpress],
  ['Koa', buildKoa],
])('observability over HTTP: %s', (_name, build) => {
  let issuer: LocalIssuer
  let h: Harness

  beforeAll(async () => {
    issuer = await createIssuer()
  })
  afterAll(async () => {
    await issuer.close()
  })
  beforeEach(async () => {
    if (h !== undefined) await new Promise((resolve) => h.server.close(resolve))
    const registry = new client.Registry()
    const metrics: PortcullisMetrics = createMetrics({ client, registry })
    const exporter = new InMemorySpanExporter()
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
    const tracer = provider.getTracer('portcullis-test')
    const audit: AuditEvent[] = []
    const providerSpans: Array<string | undefined> = []
    const state = { storeDown: false, providerDown: false }
    const revocations = createRevocationStore()
    const store = Object.assign(Object.create(revocations) as typeof revocations, {
      check: (query: Parameters<typeof revocations.check>[0]) => (state.storeDown ? Promise.reject(new Error('store down')) : revocations.check(query)),
    })
    const engine = createPolicyEngine(
      policy({
        id: 'documents',
        rules: [permit('owner-read', { actions: ['read'], when: (a) => (a.subject as unknown as { directory: { owner: string } }).directory.owner === (a.resource as { id: string }).id })],
      }),
      {
        providers: {
          directory: {
            infrastructure: true,
            load: ({ identity }) => {
              providerSpans.push(trace.getActiveSpan()?.spanContext().spanId)
              if (state.providerDown) throw new Error('directory down')
              return { owner: identity?.subject === 'alice' ? 'doc-1' : 'none' }
            },
          },
        },
      },
    )
    const listener = build({ issuer: issuer.issuer, audience: issuer.audience, metrics, tracer, revocation: { store }, audit: (e) => void audit.push(e) }, engine)
    const server = http.createServer(listener)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    h = Object.assign(state, { server, registry, exporter, audit, providerSpans })
  })
  afterAll(async () => {
    await new Promise((resolve) => h.server.close(resolve))
  })

  async function metric(name: string, labels: Record<string, string>): Promise<number> {
    const found = (await h.registry.getMetricsAsJSON()).find((m) => m.name === name)
    const series = (found?.values as Array<{ labels: Record<string, string>; value: number }> | undefined)?.find((v) =>
      Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    return series?.value ?? 0
  }
  const spans = (name: string): ReadableSpan[] => h.exporter.getFinishedSpans().filter((s) => s.name === name)
  const get = async (path: string, token?: string): Promise<request.Response> => {
    const test = request(h.server).get(path)
    return token === undefined ? test : test.set('Authorization', `Bearer ${token}`)
  }

  it('allowed: 200; accepted verification and permit decisions are counted; spans carry outcomes with status unset', async () => {
    const token = await issuer.mint({ sub: 'alice', scope: 'orders:read', client_id: 'app-1' })
    expect((await get('/orders', token)).status).toBe(200)
    // The cache admits a token at its second use: the third request is the first hit.
    expect((await get('/orders', token)).status).toBe(200)
    expect((await get('/docs/doc-1', token)).status).toBe(200)
    expect(await metric('portcullis_token_verifications_total', { outcome: 'accepted', reason: 'none' })).toBe(3)
    expect(await metric('portcullis_token_cache_lookups_total', { result: 'miss' })).toBe(2)
    expect(await metric('portcullis_token_cache_lookups_total', { result: 'hit' })).toBe(1)
    expect(await metric('portcullis_authz_decisions_total', { requirement: 'scope', decision: 'permit' })).toBe(2)
    expect(await metric('portcullis_authz_decisions_total', { requirement: 'policy', decision: 'permit' })).toBe(1)
    const verify = spans('portcullis.verify_token')
    expect(verify).toHaveLength(3)
    expect(verify[0]?.attributes).toMatchObject({
      'portcullis.authn.outcome': 'accepted', 'portcullis.oauth.token_format': 'jwt', 'portcullis.oauth.token_type': 'bearer',
      'portcullis.oauth.client_id': 'app-1', 'portcullis.authn.cache_hit': false,
    })
    expect(verify[1]?.attributes['portcullis.authn.cache_hit']).toBe(false)
    expect(verify[2]?.attributes['portcullis.authn.cache_hit']).toBe(true)
    expect(verify[0]?.status.code).toBe(SpanStatusCode.UNSET)
    const [decide] = spans('portcullis.authorize')
    expect(decide?.attributes).toMatchObject({
      'portcullis.authz.action': 'read', 'portcullis.authz.resource_type': 'doc', 'portcullis.authz.decision': 'Permit',
      'portcullis.authz.outcome': 'permit', 'security_rule.ruleset.name': 'documents', 'security_rule.name': 'owner-read',
    })
    expect(decide?.attributes['portcullis.authz.decision_id']).toMatch(/^[0-9a-f-]{36}$/)
    expect(decide?.status.code).toBe(SpanStatusCode.UNSET)
    // The attribute provider ran inside the decision span's context.
    expect(h.providerSpans).toEqual([decide?.spanContext().spanId])
    // No subject, token or raw path in span attributes.
    const serialised = JSON.stringify(h.exporter.getFinishedSpans().map((s) => s.attributes))
    expect(serialised).not.toContain('alice')
    expect(serialised).not.toContain(token.split('.')[2])
  })

  it('denied 401: rejected verification by reason; an outcome on the span, not an error', async () => {
    const expired = await issuer.mint({ sub: 'alice' }, { expiresIn: -60 })
    expect((await get('/orders', expired)).status).toBe(401)
    expect((await get('/orders')).status).toBe(401)
    expect(await metric('portcullis_token_verifications_total', { outcome: 'rejected', reason: 'expired' })).toBe(1)
    expect(await metric('portcullis_token_verifications_total', { outcome: 'rejected', reason: 'missing' })).toBe(1)
    const verify = spans('portcullis.verify_token')
    expect(verify.map((s) => [s.attributes['portcullis.authn.outcome'], s.attributes['portcullis.authn.reason'], s.attributes['portcullis.http.status_code'], s.status.code])).toEqual([
      ['rejected', 'expired', 401, SpanStatusCode.UNSET],
      ['rejected', 'missing', 401, SpanStatusCode.UNSET],
    ])
    expect(verify[0]?.attributes['error.type']).toBeUndefined()
  })

  it('denied 403: scope and policy denials are counted and traced as outcomes', async () => {
    const token = await issuer.mint({ sub: 'bob', scope: 'profile' })
    expect((await get('/orders', token)).status).toBe(403)
    expect((await get('/docs/doc-1', token)).status).toBe(403)
    expect(await metric('portcullis_authz_decisions_total', { requirement: 'scope', decision: 'deny' })).toBe(1)
    expect(await metric('portcullis_authz_decisions_total', { requirement: 'policy', decision: 'deny' })).toBe(1)
    const [decide] = spans('portcullis.authorize')
    expect(decide?.attributes).toMatchObject({ 'portcullis.authz.outcome': 'deny', 'portcullis.authz.decision': 'NotApplicable' })
    expect(decide?.status.code).toBe(SpanStatusCode.UNSET)
    const fails = h.audit.filter((e) => e.event === 'authz_fail')
    expect(fails.map((e) => [e.reason, e.route])).toEqual([['scope', '/orders'], ['policy', '/docs/:id']])
    expect(fails[1]?.request_uri).toBe('/docs/doc-1')
  })

  it('failed 503: a store or provider outage is a span error with error.type, and counted', async () => {
    const token = await issuer.mint({ sub: 'alice', scope: 'orders:read' })
    h.storeDown = true
    expect((await get('/orders', token)).status).toBe(503)
    h.storeDown = false
    h.providerDown = true
    expect((await get('/docs/doc-1', token)).status).toBe(503)
    expect(await metric('portcullis_token_verifications_total', { outcome: 'error', reason: 'revocation' })).toBe(1)
    expect(await metric('portcullis_store_errors_total', { store: 'revocation' })).toBe(1)
    expect(await metric('portcullis_authz_decisions_total', { requirement: 'policy', decision: 'error' })).toBe(1)
    const [failed] = spans('portcullis.verify_token')
    expect(failed?.status.code).toBe(SpanStatusCode.ERROR)
    expect(failed?.attributes).toMatchObject({ 'error.type': 'revocation', 'portcullis.authn.outcome': 'error', 'portcullis.http.status_code': 503 })
    const [decide] = spans('portcullis.authorize')
    expect(decide?.status.code).toBe(SpanStatusCode.ERROR)
    expect(decide?.attributes).toMatchObject({ 'error.type': 'policy_provider', 'portcullis.authz.outcome': 'unavailable' })
  })
})
