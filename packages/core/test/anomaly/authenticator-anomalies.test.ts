import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import client from 'prom-client'
import { createAnomalyDetector, createAuditPipeline, createAuthenticator, createMetrics, type AuditEvent, type GeoLocation, type PortcullisError, type RequireTokenOptions } from '@portcullis/core'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { bearer, manualClock } from '../helpers.js'

const PLACES: Record<string, GeoLocation> = {
  '192.0.2.10': { country: 'FR', latitude: 48.8566, longitude: 2.3522 },
  '198.51.100.20': { country: 'AU', latitude: -33.8688, longitude: 151.2093 },
}
const PROXY = '10.0.0.2'
const LONG = { expiresIn: 3600 }

describe('requireToken({ anomalies })', () => {
  let issuer: LocalIssuer
  const clock = manualClock(Date.UTC(2030, 0, 15, 12))
  beforeAll(async () => {
    issuer = await createIssuer({ clock: clock.now })
  })
  afterAll(() => issuer.close())

  function setup(overrides: Partial<RequireTokenOptions> = {}) {
    const events: AuditEvent[] = []
    const registry = new client.Registry()
    const metrics = createMetrics({ client, registry })
    const anomalies = createAnomalyDetector({ locate: (ip) => PLACES[ip] })
    const auth = createAuthenticator({
      issuer: issuer.issuer,
      audience: issuer.audience,
      jwksUri: issuer.jwksUri,
      clock: clock.now,
      trustedProxies: ['10.0.0.0/8'],
      audit: (event) => void events.push(event),
      metrics,
      anomalies,
      ...overrides,
    })
    const from = (token: string, client: string, peer = PROXY) => auth.authenticate(bearer(token, { remoteAddress: peer, headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': `203.0.113.99, ${client}` } }))
    return { auth, events, registry, from, anomalies }
  }

  it('impossible travel through a trusted proxy: identity.anomalies, an audit event with the client address and score, a metric', async () => {
    const { events, registry, from } = setup()
    const token = await issuer.mint({ sub: 'alice' }, LONG)
    const first = await from(token, '192.0.2.10')
    expect(first?.identity.anomalies).toEqual({ score: 0, kinds: [], signals: [] })
    clock.advance(10 * 60_000)
    const second = await from(token, '198.51.100.20') // a cache hit: the detector runs on hits too
    expect(second?.identity.anomalies?.kinds).toEqual(['new_zone', 'new_country', 'impossible_travel'])
    expect(second?.identity.anomalies?.score).toBe(100)
    const anomalyEvents = events.filter((e) => e.event !== 'authn_login_success')
    expect(anomalyEvents.map((e) => [e.event, e.level, e.outcome, e.reason, e.anomaly?.score, e.source_ip, e.user_id])).toEqual([
      ['authn_new_location', 'WARN', 'unknown', 'new_zone', 25, '198.51.100.20', 'alice'],
      ['authn_new_location', 'WARN', 'unknown', 'new_country', 50, '198.51.100.20', 'alice'],
      ['authn_impossible_travel', 'CRITICAL', 'unknown', 'impossible_travel', 100, '198.51.100.20', 'alice'],
    ])
    expect(anomalyEvents[2]?.anomaly?.detail).toMatchObject({ from_country: 'FR', to_country: 'AU', elapsed_s: 600 })
    expect(anomalyEvents[2]?.token_fingerprint).toMatch(/^[0-9a-f]{16}$/)
    expect(JSON.stringify(events)).not.toContain(token.split('.')[2])
    const text = await registry.metrics()
    expect(text).toContain('portcullis_anomalies_total{kind="impossible_travel"} 1')
    expect(text).toContain('portcullis_anomalies_total{kind="new_country"} 1')
    // A retry is not clean: the signal is held, but not audited or counted again.
    events.length = 0
    const retry = await from(token, '198.51.100.20')
    expect(retry?.identity.anomalies?.signals.map((s) => [s.kind, s.held])).toEqual([['impossible_travel', true]])
    expect(events.map((e) => e.event)).toEqual(['authn_login_success'])
  })

  it('X-Forwarded-For from an untrusted peer is never read: the peer is the client', async () => {
    const { from } = setup()
    const token = await issuer.mint({ sub: 'bob' }, LONG)
    await from(token, '192.0.2.10', '192.0.2.10')
    clock.advance(60_000)
    const forged = await from(token, '198.51.100.20', '192.0.2.10')
    expect(forged?.identity.anomalies?.signals).toEqual([])
  })

  it("key 'subject': two tokens of one user share a history", async () => {
    const { from } = setup({ anomalies: createAnomalyDetector({ key: 'subject', locate: (ip) => PLACES[ip] }) })
    await from(await issuer.mint({ sub: 'carol' }, LONG), '192.0.2.10')
    clock.advance(60_000)
    const other = await from(await issuer.mint({ sub: 'carol' }, LONG), '198.51.100.20')
    expect(other?.identity.anomalies?.kinds).toContain('impossible_travel')
    const stranger = await from(await issuer.mint({ sub: 'dave' }, LONG), '198.51.100.20')
    expect(stranger?.identity.anomalies?.signals).toEqual([])
  })

  it('without a detector the identity has no anomalies member; a non-detector is refused at creation', async () => {
    const auth = createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri, clock: clock.now })
    const result = await auth.authenticate(bearer(await issuer.mint()))
    expect(result?.identity).not.toHaveProperty('anomalies')
    let error: PortcullisError | undefined
    try {
      createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, anomalies: {} as never })
    } catch (e) {
      error = e as PortcullisError
    }
    expect([error?.code, error?.message]).toEqual(['invalid_configuration', 'Portcullis: anomalies must be a detector from createAnomalyDetector()'])
  })

  it('with a sampling audit pipeline, anomaly events are never sampled out (outcome unknown)', async () => {
    const delivered: AuditEvent[] = []
    const audit = createAuditPipeline({ sinks: [(event) => void delivered.push(event)], sampleRate: 0 })
    const { from } = setup({ audit })
    const token = await issuer.mint({ sub: 'frank' }, LONG)
    await from(token, '192.0.2.10')
    clock.advance(60_000)
    await from(token, '198.51.100.20')
    await audit.flush()
    expect(delivered.map((e) => e.event)).toEqual(['authn_new_location', 'authn_new_location', 'authn_impossible_travel'])
  })

  it('metrics: a custom kind is counted as other, so labels stay bounded', async () => {
    const registry = new client.Registry()
    const metrics = createMetrics({ client, registry })
    for (let i = 0; i < 1000; i++) metrics.recordAnomaly(`custom_${i}`)
    metrics.recordAnomaly('rate_spike')
    const text = await registry.metrics()
    expect(text).toContain('portcullis_anomalies_total{kind="other"} 1000')
    expect(text).toContain('portcullis_anomalies_total{kind="rate_spike"} 1')
    expect(text.match(/^portcullis_anomalies_total\{/gm)).toHaveLength(2)
  })

  it('rejected requests build no history', async () => {
    const { from, anomalies } = setup()
    const expired = await issuer.mint({ sub: 'erin' }, { expiresIn: -600 })
    await expect(from(expired, '192.0.2.10')).rejects.toMatchObject({ code: 'invalid_token' })
    expect(anomalies.size).toBe(0)
  })
})
