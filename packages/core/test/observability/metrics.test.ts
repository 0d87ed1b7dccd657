import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import client from 'prom-client'
import {
  DEFAULT_AUTH_CONTEXT,
  createAuditPipeline,
  createAuthenticator,
  createMetrics,
  createRevocationStore,
  createScopeRequirement,
  METRIC_REASONS,
  metricReason,
  type PortcullisMetrics,
} from '@portcullis/core'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { bearer, rejection } from '../helpers.js'

/** The value of one series, 0 when absent. */
async function value(registry: client.Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name)
  if (metric === undefined) throw new Error(`no metric ${name}`)
  const series = (metric.values as Array<{ labels: Record<string, string | number>; value: number }>).find((v) =>
    Object.entries(labels).every(([k, l]) => v.labels[k] === l) && Object.keys(v.labels).length === Object.keys(labels).length)
  return series?.value ?? 0
}

function fresh(): { registry: client.Registry; metrics: PortcullisMetrics } {
  const registry = new client.Registry()
  return { registry, metrics: createMetrics({ client, registry }) }
}

describe('createMetrics', () => {
  let issuer: LocalIssuer
  beforeAll(async () => {
    issuer = await createIssuer()
  })
  afterAll(() => issuer.close())

  it('counts verifications by outcome and reason, cache hits and misses, and JWKS fetches', async () => {
    const { registry, metrics } = fresh()
    const auth = createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, metrics, cache: { admission: 'first-use' } })
    const token = await issuer.mint({ sub: 'alice' })
    await auth.authenticate(bearer(token))
    await auth.authenticate(bearer(token))
    await auth.authenticate(bearer(token))
    const expired = await issuer.mint({}, { expiresIn: -60 })
    await rejection(() => auth.authenticate(bearer(expired)))
    await rejection(() => auth.authenticate({ method: 'GET', url: '/', headers: {} }))
    expect(await value(registry, 'portcullis_token_verifications_total', { outcome: 'accepted', reason: 'none' })).toBe(3)
    expect(await value(registry, 'portcullis_token_verifications_total', { outcome: 'rejected', reason: 'expired' })).toBe(1)
    expect(await value(registry, 'portcullis_token_verifications_total', { outcome: 'rejected', reason: 'missing' })).toBe(1)
    expect(await value(registry, 'portcullis_token_cache_lookups_total', { result: 'hit' })).toBe(2)
    expect(await value(registry, 'portcullis_token_cache_lookups_total', { result: 'miss' })).toBe(2)
    expect(await value(registry, 'portcullis_jwks_fetches_total', { outcome: 'success', trigger: 'initial' })).toBe(1)
    // A second scrape reports the same totals (deltas are pushed once).
    expect(await value(registry, 'portcullis_token_verifications_total', { outcome: 'accepted', reason: 'none' })).toBe(3)
    const text = await registry.metrics()
    expect(text).toContain('# TYPE portcullis_token_verifications_total counter')
  })

  it('a JWKS outage is outcome="error" with the dependency reason; a failing revocation store counts as a store error', async () => {
    const { registry, metrics } = fresh()
    const down = createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, metrics, fetch: () => Promise.reject(new Error('down')) })
    const token = await issuer.mint()
    expect((await rejection(() => down.authenticate(bearer(token)))).status).toBe(503)
    const store = { ...createRevocationStore(), check: () => Promise.reject(new Error('redis down')) }
    const revoking = createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, metrics, revocation: { store } })
    expect((await rejection(() => revoking.authenticate(bearer(token)))).status).toBe(503)
    expect(await value(registry, 'portcullis_token_verifications_total', { outcome: 'error', reason: 'jwks_unavailable' })).toBe(1)
    expect(await value(registry, 'portcullis_jwks_fetches_total', { outcome: 'failure', trigger: 'initial' })).toBe(1)
    expect(await value(registry, 'portcullis_token_verifications_total', { outcome: 'error', reason: 'revocation' })).toBe(1)
    expect(await value(registry, 'portcullis_store_errors_total', { store: 'revocation' })).toBe(1)
  })

  it('counts introspection requests by outcome, with their duration', async () => {
    const { registry, metrics } = fresh()
    const auth = createAuthenticator({
      issuer: issuer.issuer, audience: issuer.audience, metrics,
      introspection: { endpoint: issuer.introspectionEndpoint, ...issuer.introspectionClient },
    })
    await auth.authenticate(bearer(issuer.opaqueToken()))
    const revoked = issuer.opaqueToken()
    issuer.revokeOpaqueToken(revoked)
    await rejection(() => auth.authenticate(bearer(revoked)))
    issuer.setIntrospectionBehaviour('error')
    await rejection(() => auth.authenticate(bearer(issuer.opaqueToken())))
    issuer.setIntrospectionBehaviour('ok')
    expect(await value(registry, 'portcullis_introspection_requests_total', { outcome: 'active' })).toBe(1)
    expect(await value(registry, 'portcullis_introspection_requests_total', { outcome: 'inactive' })).toBe(1)
    expect(await value(registry, 'portcullis_introspection_requests_total', { outcome: 'error' })).toBe(1)
    expect(await registry.getSingleMetricAsString('portcullis_introspection_duration_seconds')).toContain('portcullis_introspection_duration_seconds_count{outcome="active"} 1')
    expect(await value(registry, 'portcullis_token_verifications_total', { outcome: 'rejected', reason: 'inactive' })).toBe(1)
  })

  it('counts scope decisions, rate-limit rejections, fail-open events and dropped audit events', async () => {
    const { registry, metrics } = fresh()
    const pipeline = createAuditPipeline({ sinks: [() => new Promise<void>(() => undefined)], bufferSize: 1, metrics, sinkTimeout: 60_000 })
    const auth = createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, metrics, audit: pipeline })
    const result = await auth.authenticate(bearer(await issuer.mint({ scope: 'a' })))
    const context = result?.context ?? DEFAULT_AUTH_CONTEXT
    createScopeRequirement('a').enforce({ identity: result?.identity, request: bearer('x'), context, input: undefined })
    expect(() => createScopeRequirement('b').enforce({ identity: result?.identity, request: bearer('x'), context, input: undefined })).toThrow()
    expect(() => createScopeRequirement('b').enforce({ identity: undefined, request: bearer('x'), context, input: undefined })).toThrow()
    metrics.recordRateLimited()
    metrics.recordFailOpen('rate_limit')
    expect(await value(registry, 'portcullis_authz_decisions_total', { requirement: 'scope', decision: 'permit' })).toBe(1)
    expect(await value(registry, 'portcullis_authz_decisions_total', { requirement: 'scope', decision: 'deny' })).toBe(2)
    expect(await value(registry, 'portcullis_rate_limit_rejections_total')).toBe(1)
    expect(await value(registry, 'portcullis_fail_open_total', { feature: 'rate_limit' })).toBe(1)
    // 4 events, one buffer slot: the first is taken by the (blocked) sink after a tick.
    expect(await value(registry, 'portcullis_audit_events_dropped_total')).toBe(pipeline.stats().dropped)
    expect(pipeline.stats().dropped).toBeGreaterThanOrEqual(2)
  })

  it('label cardinality stays bounded under 10,000 distinct subjects, tokens and reasons', async () => {
    const { registry, metrics } = fresh()
    const auth = createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, metrics, cache: { maxEntries: 100, admission: 'first-use' } })
    const tokens = await Promise.all(Array.from({ length: 200 }, (_, i) => issuer.mint({ sub: `user-${i}`, client_id: `client-${i}` })))
    for (let i = 0; i < 10_000; i++) {
      // 200 real tokens for 10,000 requests, plus made-up reasons as a custom store might report them.
      if (i % 50 === 0) await auth.authenticate(bearer(tokens[(i / 50) % 200] as string))
      metrics.recordVerification('rejected', `reason-${i}`)
      metrics.recordStoreError(`store-${i}` as never)
      metrics.recordDecision('policy', `decision-${i}` as never)
    }
    const series = (await registry.getMetricsAsJSON()).flatMap((m) => (m.values as Array<{ labels: Record<string, string | number> }>).map((v) => v.labels))
    const values = new Set(series.flatMap((labels) => Object.values(labels).map(String)))
    expect(series.length).toBeLessThan(100)
    for (const label of values) expect(label).not.toMatch(/user-|client-|reason-|store-|decision-/)
    expect(await value(registry, 'portcullis_token_verifications_total', { outcome: 'rejected', reason: 'other' })).toBe(10_000)
  })

  it('folds reasons into the fixed set and refuses bad configuration', () => {
    expect(metricReason('dpop_htu')).toBe('dpop')
    expect(metricReason('expired')).toBe('expired')
    expect(metricReason('<script>')).toBe('other')
    expect(METRIC_REASONS).toContain('jwks_unavailable')
    expect(() => createMetrics({ client: {} as never })).toThrow(/prom-client module/)
    const registry = new client.Registry()
    createMetrics({ client, registry })
    expect(() => createMetrics({ client, registry })).toThrow(/already been registered/)
    expect(() => createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, metrics: {} as never })).toThrow(/metrics must be/)
    expect(() => createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, tracer: {} as never })).toThrow(/tracer must be/)
  })
})
