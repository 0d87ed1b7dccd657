/**
 * Rate limits over real HTTP, for every adapter: the `rateLimit()` middleware and the
 * `RateLimit()` decorator (draft-ietf-httpapi-ratelimit-headers-10 §3, §4; RFC 6585 §4;
 * RFC 9110 §10.2.3), and the introspection guard for unknown tokens.
 */
import type http from 'node:http'
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import request from 'supertest'
import type { Response } from 'supertest'
import type { AuditEvent, RequireTokenOptions } from '@portcullis/core'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { closeServer, listen, manualClock, NOW } from './helpers.js'
import { lifecycleApps } from './lifecycle-harness.js'
import type { AdapterUnderTest } from './suite.js'

const DESCRIPTION = 'Too many requests; retry after the time given in Retry-After'

export function runRateLimitScenarios(adapter: AdapterUnderTest): void {
  describe('rate limits over HTTP', () => {
    let issuer: LocalIssuer
    const clock = manualClock(NOW)
    const servers: http.Server[] = []
    const errors: Array<{ code?: unknown }> = []
    const events: AuditEvent[] = []
    beforeAll(async () => {
      issuer = await createIssuer({ clock: clock.now })
    })
    afterAll(() => issuer.close())
    afterEach(async () => {
      await Promise.all(servers.splice(0).map(closeServer))
    })

    async function start(): Promise<http.Server> {
      errors.length = 0
      events.length = 0
      const tokenOptions: RequireTokenOptions = {
        issuer: issuer.issuer,
        audience: issuer.audience,
        jwksUri: issuer.jwksUri,
        clock: clock.now,
        optional: true,
        audit: (event) => void events.push(event),
      }
      const listener = adapter.createRateLimitApp(tokenOptions, { onError: (err) => void errors.push(err as { code?: unknown }), jsonErrors: { onServerError: () => undefined } }, clock.now)
      const server = await listen(listener)
      servers.push(server)
      return server
    }

    function get(server: http.Server, path: string, token?: string, forwardedFor?: string): Promise<Response> {
      let test = request(server).get(path)
      if (token !== undefined) test = test.set('Authorization', `Bearer ${token}`)
      if (forwardedFor !== undefined) test = test.set('X-Forwarded-For', forwardedFor)
      return test
    }

    function expectAllowed(res: Response, policy: string, state: string): void {
      expect({ status: res.status, policy: res.headers['ratelimit-policy'], state: res.headers['ratelimit'] }).toEqual({ status: 200, policy, state })
    }

    function expectLimited(res: Response, policy: string, state: string, retryAfter: string): void {
      expect({ status: res.status, policy: res.headers['ratelimit-policy'], state: res.headers['ratelimit'], retryAfter: res.headers['retry-after'] }).toEqual({
        status: 429,
        policy,
        state,
        retryAfter,
      })
      expect(res.headers['content-type']).toMatch(/^application\/json/)
      expect(res.body).toEqual({ error: 'rate_limited', error_description: DESCRIPTION })
      expect(errors.at(-1)?.code).toBe('rate_limited')
    }

    it('draft-10 §3, §4; RFC 6585 §4: allowed requests carry RateLimit and RateLimit-Policy; the N+1th is 429 with Retry-After and a JSON body, audited', async () => {
      const server = await start()
      const alice = await issuer.mint({ sub: 'alice' })
      expectAllowed(await get(server, '/rl/subject', alice), '"default";q=2;w=60', '"default";r=1;t=60')
      clock.advance(17_000)
      expectAllowed(await get(server, '/rl/subject', alice), '"default";q=2;w=60', '"default";r=0;t=43')
      events.length = 0
      expectLimited(await get(server, '/rl/subject', alice), '"default";q=2;w=60', '"default";r=0;t=43', '43')
      expect(events.map((e) => [e.event, e.outcome, e.user_id])).toEqual([
        ['authn_login_success', 'success', 'alice'],
        ['excess_rate_limit_exceeded', 'failure', 'alice'],
      ])
    })

    it('keys by subject: each user has a window of their own', async () => {
      const server = await start()
      const alice = await issuer.mint({ sub: 'alice' })
      const bob = await issuer.mint({ sub: 'bob' })
      await get(server, '/rl/subject', alice)
      await get(server, '/rl/subject', alice)
      expect((await get(server, '/rl/subject', alice)).status).toBe(429)
      expectAllowed(await get(server, '/rl/subject', bob), '"default";q=2;w=60', '"default";r=1;t=60')
      // Anonymous requests count for the address, apart from the users.
      expectAllowed(await get(server, '/rl/subject'), '"default";q=2;w=60', '"default";r=1;t=60')
    })

    it('RFC 7239 §8.3: X-Forwarded-For is read only from a trusted proxy, never from an untrusted peer', async () => {
      const server = await start()
      // The loopback peer is not trusted on /rl/direct: a forged header does not open a new window.
      expectAllowed(await get(server, '/rl/direct', undefined, '203.0.113.1'), '"default";q=1;w=60', '"default";r=0;t=60')
      expectLimited(await get(server, '/rl/direct', undefined, '203.0.113.2'), '"default";q=1;w=60', '"default";r=0;t=60', '60')
      // It is on /rl/proxied: the client the proxy saw counts, whatever it wrote to the left.
      expect((await get(server, '/rl/proxied', undefined, '203.0.113.1')).status).toBe(200)
      expect((await get(server, '/rl/proxied', undefined, '203.0.113.2')).status).toBe(200)
      expect((await get(server, '/rl/proxied', undefined, '198.51.100.7, 203.0.113.1')).status).toBe(429)
    })

    it('tiers by scope: a tier:pro token gets the pro limit, others the default one', async () => {
      const server = await start()
      const pro = await issuer.mint({ sub: 'alice', scope: 'tier:pro' })
      const basic = await issuer.mint({ sub: 'bob', scope: 'orders:read' })
      for (const remaining of [2, 1, 0]) expectAllowed(await get(server, '/rl/tiers', pro), '"pro";q=3;w=60', `"pro";r=${remaining};t=60`)
      expectLimited(await get(server, '/rl/tiers', pro), '"pro";q=3;w=60', '"pro";r=0;t=60', '60')
      expectAllowed(await get(server, '/rl/tiers', basic), '"default";q=1;w=60', '"default";r=0;t=60')
      expectLimited(await get(server, '/rl/tiers', basic), '"default";q=1;w=60', '"default";r=0;t=60', '60')
    })

    it('the RateLimit() decorator limits a controller method like the middleware', async () => {
      const server = await start()
      const alice = await issuer.mint({ sub: 'alice' })
      const res = await get(server, '/rl/ctrl', alice)
      expectAllowed(res, '"default";q=1;w=30', '"default";r=0;t=30')
      expect(res.body).toEqual({ subject: 'alice', by: 'rate-limit-controller' })
      expectLimited(await get(server, '/rl/ctrl', alice), '"default";q=1;w=30', '"default";r=0;t=30', '30')
    })

    describe('introspection guard', () => {
      const lifecycle = lifecycleApps(adapter)
      it('RFC 7662 §2.1: past the guard, made-up opaque tokens are answered 429 with Retry-After without calling the AS', async () => {
        issuer.resetStats()
        issuer.setIntrospectionBehaviour('ok')
        const h = await lifecycle({
          issuer: issuer.issuer,
          audience: issuer.audience,
          jwksUri: issuer.jwksUri,
          clock: clock.now,
          introspection: { ...issuer.introspectionClient, endpoint: issuer.introspectionEndpoint, guard: { points: 2, duration: 30 } },
        })
        expect((await h.get('made-up-1')).status).toBe(401)
        expect((await h.get('made-up-2')).status).toBe(401)
        const res = await h.get('made-up-3')
        expect({ status: res.status, code: h.code(), retryAfter: res.headers['retry-after'], calls: issuer.stats.introspection }).toEqual({
          status: 429,
          code: 'rate_limited',
          retryAfter: '30',
          calls: 2,
        })
        expect(h.events.map((e) => [e.event, e.reason])).toEqual([['excess_rate_limit_exceeded', 'introspection_guard']])
        // Until the window ends, even a real token the cache does not know waits: unknown is unknown.
        expect((await h.get(issuer.opaqueToken({ sub: 'alice' }))).status).toBe(429)
      })
    })
  })
}
