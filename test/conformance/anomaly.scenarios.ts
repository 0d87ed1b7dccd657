/**
 * Anomaly signals over real HTTP, for every adapter: `requireToken({ anomalies, trustedProxies })`
 * reads the client address from a trusted proxy's X-Forwarded-For, sets `identity.anomalies` for
 * the handler, audits each signal (OWASP `authn_impossible_travel`, `authn_new_location`), and a
 * policy's `anomalous()` risk factor turns impossible travel into a 403.
 */
import type http from 'node:http'
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import request from 'supertest'
import type { Response } from 'supertest'
import { createAnomalyDetector, type AuditEvent, type GeoLocation, type RequireTokenOptions } from '@portcullis/core'
import { anomalous, createPolicyEngine, loadPolicyDocument } from '@portcullis/policy'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { closeServer, leakMarkers, listen, manualClock, NOW } from './helpers.js'
import type { AdapterUnderTest } from './suite.js'

const PARIS = '192.0.2.10'
const SYDNEY = '198.51.100.20'
const PLACES: Record<string, GeoLocation> = {
  [PARIS]: { country: 'FR', latitude: 48.8566, longitude: 2.3522 },
  [SYDNEY]: { country: 'AU', latitude: -33.8688, longitude: 151.2093 },
}
const TEN_MINUTES = 10 * 60_000

export function runAnomalyScenarios(adapter: AdapterUnderTest): void {
  describe('anomaly signals over HTTP', () => {
    let issuer: LocalIssuer
    const clock = manualClock(NOW)
    const servers: http.Server[] = []
    const events: AuditEvent[] = []
    const errors: Array<{ code?: unknown }> = []
    beforeAll(async () => {
      issuer = await createIssuer({ clock: clock.now })
    })
    afterAll(() => issuer.close())
    afterEach(async () => {
      await Promise.all(servers.splice(0).map(closeServer))
    })

    function tokenOptions(): RequireTokenOptions {
      events.length = 0
      errors.length = 0
      return {
        issuer: issuer.issuer,
        audience: issuer.audience,
        jwksUri: issuer.jwksUri,
        clock: clock.now,
        // The test client connects over loopback: it plays the reverse proxy.
        trustedProxies: ['127.0.0.1', '::1'],
        anomalies: createAnomalyDetector({ locate: (ip) => PLACES[ip] }),
        audit: (event) => void events.push(event),
      }
    }

    async function serve(listener: http.RequestListener): Promise<http.Server> {
      const server = await listen(listener)
      servers.push(server)
      return server
    }

    function get(server: http.Server, path: string, token: string, client: string): Promise<Response> {
      // The left-most entry is the client's own claim: only the proxy's (right-most) hop counts.
      return request(server).get(path).set('Authorization', `Bearer ${token}`).set('X-Forwarded-For', `203.0.113.250, ${client}`)
    }

    it('impossible travel: the handler sees identity.anomalies, and each signal is audited with score and client address, never the token', async () => {
      const server = await serve(adapter.createApp(tokenOptions(), { onError: (err) => void errors.push(err as { code?: unknown }) }))
      const token = await issuer.mint({ sub: 'alice' }, { expiresIn: 3600 })
      const home = await get(server, '/me', token, PARIS)
      expect({ status: home.status, anomalies: (home.body as { anomalies?: unknown }).anomalies }).toEqual({ status: 200, anomalies: { score: 0, kinds: [], held: [] } })
      clock.advance(TEN_MINUTES)
      events.length = 0
      const away = await get(server, '/me', token, SYDNEY)
      expect({ status: away.status, subject: (away.body as { subject?: unknown }).subject, anomalies: (away.body as { anomalies?: unknown }).anomalies }).toEqual({
        status: 200,
        subject: 'alice',
        anomalies: { score: 100, kinds: ['new_zone', 'new_country', 'impossible_travel'], held: [false, false, false] },
      })
      expect(events.map((e) => [e.event, e.level, e.reason, e.anomaly?.score, e.source_ip, e.user_id])).toEqual([
        ['authn_login_success', 'INFO', 'accepted', undefined, '127.0.0.1', 'alice'],
        ['authn_new_location', 'WARN', 'new_zone', 25, SYDNEY, 'alice'],
        ['authn_new_location', 'WARN', 'new_country', 50, SYDNEY, 'alice'],
        ['authn_impossible_travel', 'CRITICAL', 'impossible_travel', 100, SYDNEY, 'alice'],
      ])
      expect(events[3]?.anomaly?.detail).toEqual({ distance_km: 16_961, elapsed_s: 600, speed_kmh: 101_763, from_country: 'FR', to_country: 'AU' })
      expect(events[3]?.token_fingerprint).toMatch(/^[0-9a-f]{16}$/)
      for (const secret of leakMarkers(token)) expect(JSON.stringify(events)).not.toContain(secret)
      // The retry carries the held signal (not audited again): it does not pass as clean.
      events.length = 0
      const retry = await get(server, '/me', token, SYDNEY)
      expect((retry.body as { anomalies?: unknown }).anomalies).toEqual({ score: 100, kinds: ['impossible_travel'], held: [true] })
      expect(events.map((e) => e.event)).toEqual(['authn_login_success'])
    })

    it('a policy with the anomalous() risk factor denies the impossible trip with 403 access_denied, and its retry', async () => {
      const engine = createPolicyEngine(
        loadPolicyDocument({
          id: 'anomaly-policy',
          algorithm: 'deny-overrides',
          rules: [
            { id: 'risky', effect: 'Deny', when: { op: 'gte', attribute: 'environment.risk.score', value: 50 } },
            { id: 'read', effect: 'Permit', target: { actions: ['read'] } },
          ],
        }),
        { clock: clock.now, environment: { risk: { factors: [anomalous({ weight: 80, minimumScore: 70 })] } } },
      )
      const listener = adapter.createPolicyApp(
        { tokenOptions: tokenOptions(), engine, load: (id) => ({ id, type: 'document' }) },
        { onError: (err) => void errors.push(err as { code?: unknown }), jsonErrors: { onServerError: (err) => void errors.push(err as { code?: unknown }) } },
      )
      const server = await serve(listener)
      const token = await issuer.mint({ sub: 'bob' }, { expiresIn: 3600 })
      const home = await get(server, '/docs/d-1', token, PARIS)
      expect({ status: home.status, body: home.body as unknown }).toEqual({ status: 200, body: { id: 'd-1', subject: 'bob', by: 'route' } })
      clock.advance(TEN_MINUTES)
      events.length = 0
      const away = await get(server, '/docs/d-1', token, SYDNEY)
      expect({ status: away.status, error: (away.body as { error?: unknown }).error, code: errors.at(-1)?.code }).toEqual({ status: 403, error: 'access_denied', code: 'access_denied' })
      const decisionId = (away.body as { decision_id?: unknown }).decision_id
      expect(typeof decisionId).toBe('string')
      expect(away.headers['www-authenticate']).toBeUndefined()
      expect(away.text).not.toContain('anomal')
      expect(events.map((e) => [e.event, e.reason])).toEqual([
        ['authn_login_success', 'accepted'],
        ['authn_new_location', 'new_zone'],
        ['authn_new_location', 'new_country'],
        ['authn_impossible_travel', 'impossible_travel'],
        ['authz_fail', 'policy'],
      ])
      const denial = events[4] as AuditEvent
      expect(denial.decision_id).toBe(decisionId)
      expect(JSON.stringify(denial.explanation)).toContain('"name":"anomalous","points":80')
      // The retry from Sydney is refused too: the signal is held for the token.
      expect((await get(server, '/docs/d-1', token, SYDNEY)).status).toBe(403)
      // Another user's token in Sydney has no history there to contradict: allowed.
      expect((await get(server, '/docs/d-1', await issuer.mint({ sub: 'carol' }, { expiresIn: 3600 }), SYDNEY)).status).toBe(200)
    })
  })
}
