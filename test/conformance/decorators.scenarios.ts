/**
 * `@RequireScope`, `@RequireAuthentication` and `@Authorize` on controller methods passed
 * directly as route handlers, the same scenarios for every adapter: `this` binding,
 * enforcement, stacking in source order.
 */
import type http from 'node:http'
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { closeServer, NOW, NOW_S } from './helpers.js'
import { startPolicyApp, type PolicyHarness } from './policy-fixtures.js'
import { expectDenied, STEP_UP_CHALLENGE } from './policy.scenarios.js'
import type { AdapterUnderTest } from './suite.js'

// RFC 9470 §3: the challenge names every requirement of the route (acr_values and max_age).
const stepUpChallenge = (description: string): string =>
  `Bearer realm="api", error="insufficient_user_authentication", error_description="${description}", acr_values="mfa hwk", max_age="300"`

const SCOPE_CHALLENGE =
  'Bearer realm="api", error="insufficient_scope", error_description="The access token does not have the required scope", scope="documents:write"'

export function runDecoratorScenarios(adapter: AdapterUnderTest): void {
  describe('decorators on controller methods (RequireScope, RequireAuthentication, Authorize)', () => {
    let issuer: LocalIssuer
    const servers: http.Server[] = []
    beforeAll(async () => {
      issuer = await createIssuer({ clock: () => NOW })
    })
    afterAll(() => issuer.close())
    afterEach(async () => {
      await Promise.all(servers.splice(0).map(closeServer))
    })
    const token = (scopes: string[], claims: Record<string, unknown> = {}) => issuer.token(scopes, { sub: 'user-123', department: 'eng', ...claims })
    const call = (h: PolicyHarness, method: 'get' | 'put', path: string, bearer: string) => h.send(h.agent[method](path).set('Authorization', `Bearer ${bearer}`))

    it('@Authorize permits and the method keeps `this` when passed as a handler', async () => {
      const h = await startPolicyApp(adapter, issuer, servers)
      const res = await call(h, 'get', '/ctrl/docs/eng-1', await token(['documents:read']))
      expect({ status: res.status, body: res.body as unknown, errors: h.errors }).toEqual({ status: 200, body: { id: 'eng-1', subject: 'user-123', by: 'documents-controller' }, errors: [] })
      expect(h.loads).toEqual(['eng-1'])
    })

    it('@Authorize denies with 403 access_denied and a decision id (errorHandler body), audited with that id', async () => {
      const h = await startPolicyApp(adapter, issuer, servers, { jsonErrors: true })
      const res = await call(h, 'get', '/ctrl/docs/hr-1', await token(['documents:read']))
      const id = expectDenied(res, h)
      expect(res.body).toEqual({ error: 'access_denied', decision_id: id })
      expect(h.audit.filter((e) => e.event === 'authz_fail').map((e) => e.decision_id)).toEqual([id])
    })

    it('@Authorize applies obligations: step-up 401 and response headers', async () => {
      const h = await startPolicyApp(adapter, issuer, servers)
      const weak = await call(h, 'get', '/ctrl/docs/secret-1', await token(['documents:read'], { acr: 'pwd', auth_time: NOW_S }))
      expect(weak.status).toBe(401)
      expect(weak.headers['www-authenticate']).toBe(STEP_UP_CHALLENGE)
      const exported = await call(h, 'get', '/ctrl/docs/export-1', await token(['documents:read']))
      expect(exported.status).toBe(200)
      expect(exported.headers['cache-control']).toBe('no-store')
    })

    it('@Authorize with a throwing loader gives 403, never 500', async () => {
      const h = await startPolicyApp(adapter, issuer, servers, { load: () => { throw new Error('db down') } })
      expectDenied(await call(h, 'get', '/ctrl/docs/eng-1', await token(['documents:read'])), h)
    })

    it('@RequireScope written above @Authorize runs first: a missing scope is 403 insufficient_scope before any policy work', async () => {
      const h = await startPolicyApp(adapter, issuer, servers)
      const res = await call(h, 'put', '/ctrl/docs/eng-1', await token(['documents:read']))
      expect({ status: res.status, code: (h.errors.at(-1) as { code?: unknown } | undefined)?.code }).toEqual({ status: 403, code: 'insufficient_scope' })
      expect(res.headers['www-authenticate']).toBe(SCOPE_CHALLENGE)
      expect(h.loads).toEqual([])
      expect(h.audit.filter((e) => e.event === 'authz_success' || e.reason === 'policy')).toEqual([])
    })

    it('stacked: the scope and the policy must both pass (owner-update permits, others are denied)', async () => {
      const h = await startPolicyApp(adapter, issuer, servers)
      const ok = await call(h, 'put', '/ctrl/docs/eng-1', await token(['documents:write']))
      expect({ status: ok.status, body: ok.body as unknown }).toEqual({ status: 200, body: { id: 'eng-1', subject: 'user-123', by: 'documents-controller' } })
      expect(h.loads).toEqual(['eng-1'])
      expectDenied(await call(h, 'put', '/ctrl/docs/hr-1', await token(['documents:write'])), h)
      expectDenied(await call(h, 'put', '/ctrl/docs/frozen-1', await token(['documents:write'])), h)
    })

    it('@Authorize written above @RequireScope runs first: the policy decides before the scope is checked', async () => {
      const h = await startPolicyApp(adapter, issuer, servers)
      // Not the owner and no scope: the policy (first) denies.
      expectDenied(await call(h, 'put', '/ctrl/reversed/hr-1', await token(['documents:read'])), h)
      expect(h.loads).toEqual(['hr-1'])
      // The owner without the scope: the policy permits, then the scope check refuses.
      const res = await call(h, 'put', '/ctrl/reversed/eng-1', await token(['documents:read']))
      expect(res.status).toBe(403)
      expect(res.headers['www-authenticate']).toBe(SCOPE_CHALLENGE)
      expect(h.loads).toEqual(['eng-1'])
      expect((await call(h, 'put', '/ctrl/reversed/eng-1', await token(['documents:write']))).status).toBe(200)
    })

    it('a decorated async method that rejects reaches the error path (500), never a hang', async () => {
      const h = await startPolicyApp(adapter, issuer, servers)
      const res = await call(h, 'get', '/ctrl/broken/eng-1', await token(['documents:read']))
      expect(res.status).toBe(500)
      expect(h.errors.map((e) => (e as Error).message)).toEqual(['documents-controller failed'])
    })

    it('@RequireAuthentication: a too weak or too old authentication gets 401 insufficient_user_authentication (RFC 9470 §3)', async () => {
      const h = await startPolicyApp(adapter, issuer, servers)
      const weak = await call(h, 'get', '/ctrl/pay/p-1', await token([], { acr: 'pwd', auth_time: NOW_S - 10 }))
      expect({ status: weak.status, code: (h.errors.at(-1) as { code?: unknown } | undefined)?.code }).toEqual({ status: 401, code: 'insufficient_user_authentication' })
      expect(weak.headers['www-authenticate']).toBe(stepUpChallenge('A stronger authentication is required'))
      const stale = await call(h, 'get', '/ctrl/pay/p-1', await token([], { acr: 'hwk', auth_time: NOW_S - 301 }))
      expect(stale.status).toBe(401)
      expect(stale.headers['www-authenticate']).toBe(stepUpChallenge('A more recent authentication is required'))
      const unknownTime = await call(h, 'get', '/ctrl/pay/p-1', await token([], { acr: 'mfa' }))
      expect(unknownTime.headers['www-authenticate']).toBe(stepUpChallenge('The time of authentication is unknown'))
      expect(h.loads).toEqual([])
    })

    it('@RequireAuthentication permits a fresh, strong authentication and the method keeps `this`', async () => {
      const h = await startPolicyApp(adapter, issuer, servers)
      const res = await call(h, 'get', '/ctrl/pay/p-1', await token([], { acr: 'mfa', auth_time: NOW_S - 300 }))
      expect({ status: res.status, body: res.body as unknown, errors: h.errors }).toEqual({ status: 200, body: { id: 'p-1', subject: 'user-123', by: 'payments-controller' }, errors: [] })
    })

    it('@RequireAuthentication on a route without requireToken fails closed: 401 with a bare challenge', async () => {
      const h = await startPolicyApp(adapter, issuer, servers)
      const res = await h.send(h.agent.get('/public/ctrl/pay/p-1'))
      expect({ status: res.status, code: (h.errors.at(-1) as { code?: unknown } | undefined)?.code }).toEqual({ status: 401, code: 'credentials_required' })
      expect(res.headers['www-authenticate']).toBe('Bearer realm="api"')
    })

    it('@RequireScope written above @RequireAuthentication runs first; both must pass (async method)', async () => {
      const h = await startPolicyApp(adapter, issuer, servers)
      const noScope = await call(h, 'put', '/ctrl/refund/p-1', await token(['documents:read'], { acr: 'pwd' }))
      expect(noScope.status).toBe(403)
      expect(noScope.headers['www-authenticate']).toBe(SCOPE_CHALLENGE.replace('documents:write', 'payments:write'))
      const weak = await call(h, 'put', '/ctrl/refund/p-1', await token(['payments:write'], { acr: 'pwd', auth_time: NOW_S }))
      expect(weak.headers['www-authenticate']).toBe(stepUpChallenge('A stronger authentication is required'))
      const ok = await call(h, 'put', '/ctrl/refund/p-1', await token(['payments:write'], { acr: 'hwk', auth_time: NOW_S }))
      expect({ status: ok.status, body: ok.body as unknown, errors: h.errors }).toEqual({ status: 200, body: { id: 'p-1', subject: 'user-123', by: 'payments-controller' }, errors: [] })
    })
  })
}
