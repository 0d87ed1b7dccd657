/** RFC 7662 introspection over real HTTP, for every adapter (INT-*). */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { RequireTokenOptions } from '@portcullis/core'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { manualClock, NOW } from './helpers.js'
import { expectInvalidToken, expectUnavailable, lifecycleApps } from './lifecycle-harness.js'
import type { AdapterUnderTest } from './suite.js'

export function runIntrospectionScenarios(adapter: AdapterUnderTest): void {
  describe('RFC 7662 introspection over HTTP', () => {
    let issuer: LocalIssuer
    const clock = manualClock(NOW)
    const start = lifecycleApps(adapter)
    beforeAll(async () => {
      issuer = await createIssuer({ clock: clock.now })
    })
    afterAll(() => issuer.close())

    function options(introspection: Partial<NonNullable<RequireTokenOptions['introspection']>> = {}): RequireTokenOptions {
      issuer.resetStats()
      issuer.setIntrospectionBehaviour('ok')
      return {
        issuer: issuer.issuer,
        audience: issuer.audience,
        jwksUri: issuer.jwksUri,
        clock: clock.now,
        introspection: { ...issuer.introspectionClient, ...introspection },
      }
    }

    it('RFC 7662 §2.1, §2.2; RFC 8414 §2: an opaque token is introspected at the discovered endpoint -> 200 with an opaque identity', async () => {
      const h = await start(options())
      const res = await h.get(issuer.opaqueToken({ sub: 'alice', scope: 'orders:read' }))
      expect(res.status).toBe(200)
      expect(res.body).toMatchObject({ subject: 'alice', scopes: ['orders:read'], tokenType: 'opaque', clientId: 'test-client' })
      expect(issuer.introspectionCalls.at(-1)).toEqual({ clientAuth: 'client_secret_basic', tokenTypeHint: 'access_token', hasToken: true })
    })

    it('RFC 7662 §2.2: active false -> 401 invalid_token', async () => {
      const h = await start(options({ endpoint: issuer.introspectionEndpoint }))
      const token = issuer.opaqueToken()
      issuer.revokeOpaqueToken(token)
      expectInvalidToken(await h.get(token), h)
      expect(h.reason()).toBe('inactive')
    })

    it.each(['down', 'error', 'hang'] as const)('RFC 7662 §2.3: introspection endpoint %s -> 503, never invalid_token', async (behaviour) => {
      const h = await start(options({ endpoint: issuer.introspectionEndpoint, timeout: 200 }))
      issuer.setIntrospectionBehaviour(behaviour)
      expectUnavailable(await h.get(issuer.opaqueToken()), h)
      expect(h.events.map((e) => [e.event, e.outcome])).toEqual([['authn_login_fail', 'unknown']])
    })

    it('RFC 7662 §4: answers are cached, bounded in size and never beyond exp (frozen clock)', async () => {
      const h = await start(options({ endpoint: issuer.introspectionEndpoint, cache: { ttl: 300, maxEntries: 1 } }))
      const short = issuer.opaqueToken({}, { expiresIn: 20 })
      expect((await h.get(short)).status).toBe(200)
      expect((await h.get(short)).status).toBe(200)
      expect(issuer.stats.introspection).toBe(1)
      // A second token evicts the first (maxEntries 1): the first is introspected again.
      expect((await h.get(issuer.opaqueToken())).status).toBe(200)
      expect((await h.get(short)).status).toBe(200)
      expect(issuer.stats.introspection).toBe(3)
      // At its exp the cached answer is dropped although the TTL (300 s) is not over.
      clock.advance(20_000)
      expectInvalidToken(await h.get(short), h)
      expect(issuer.stats.introspection).toBe(4)
    })

    it('RFC 7662 §2.2, §5: the token never appears in the response or the audit events', async () => {
      const h = await start(options({ endpoint: issuer.introspectionEndpoint }))
      const token = issuer.opaqueToken({ username: 'alice@example.com' })
      const res = await h.get(token)
      expect(res.text).not.toContain(token)
      expect(res.text).not.toContain('alice@example.com')
      expect(JSON.stringify(h.events)).not.toContain(token)
    })
  })
}
