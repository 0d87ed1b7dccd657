/**
 * requirePolicy over real HTTP, the same scenarios for every adapter: permit, deny with only a
 * decision id, step-up, response headers, obligations without a handler, broken providers and
 * loaders (403 / 503, never 500), anonymous subjects, audit.
 */
import type http from 'node:http'
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import type { Response } from 'supertest'
import type { RequireTokenOptions } from '@portcullis/core'
import type { PolicyEngine } from '@portcullis/policy'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { closeServer, NOW, NOW_S } from './helpers.js'
import { DOCS, documentsEngine, RULE_IDS, startPolicyApp, type PolicyHarness } from './policy-fixtures.js'
import type { AdapterUnderTest } from './suite.js'

/**
 * The policy app of an adapter. Routes (the loader gets the `:id` path parameter):
 * - GET /public/docs/:id: `requirePolicy(engine, { action: 'read', resourceType: 'document', resource })`
 *   registered BEFORE `requireToken` (anonymous subject);
 * - `requireToken(tokenOptions)`, then GET /docs/:id: the same `requirePolicy`;
 * - a `DocumentsController` whose `label` is `'documents-controller'`, methods passed directly:
 *   GET /ctrl/docs/:id `show` (`@Authorize` read), PUT /ctrl/docs/:id `update`
 *   (`@RequireScope('documents:write')` above `@Authorize` update), PUT /ctrl/reversed/:id
 *   `reversed` (`@Authorize` update above `@RequireScope('documents:write')`), GET
 *   /ctrl/broken/:id `broken` (`@RequireScope('documents:read')`, async, rejects with an Error);
 * - a `PaymentsController` whose `label` is `'payments-controller'`, with `PAYMENTS_STEP_UP` (policy-fixtures.ts):
 *   GET /public/ctrl/pay/:id (registered BEFORE `requireToken`) and GET /ctrl/pay/:id `pay`
 *   (`@RequireAuthentication`), PUT /ctrl/refund/:id `refund` (`@RequireScope('payments:write')`
 *   above `@RequireAuthentication`, async).
 * Every success answers 200 `{ id, subject, by }` (`by`: `'route'` or the controller's `this.label`).
 * Errors: recorded with hooks.onError, rendered by the framework's default handler, or by
 * `errorHandler()` with hooks.jsonErrors.
 */
export interface PolicyAppSetup {
  tokenOptions: RequireTokenOptions
  engine: PolicyEngine
  load(id: string): unknown
}

export const STEP_UP_CHALLENGE =
  'Bearer realm="api", error="insufficient_user_authentication", error_description="A stronger or more recent authentication is required", acr_values="mfa", max_age="300"'

/** 403 access_denied: a decision id in the body, and no rule, attribute or explanation. */
export function expectDenied(res: Response, h: PolicyHarness): string {
  const error = h.errors.at(-1) as { code?: unknown; decisionId?: unknown } | undefined
  expect({ status: res.status, code: error?.code }).toEqual({ status: 403, code: 'access_denied' })
  expect(res.headers['www-authenticate']).toBeUndefined()
  for (const internal of [...RULE_IDS, 'explanation', 'Indeterminate', 'NotApplicable', 'department']) expect(res.text).not.toContain(internal)
  expect(res.text).not.toMatch(/\bat .+:\d+:\d+/)
  expect(typeof error?.decisionId).toBe('string')
  return error?.decisionId as string
}

export function runPolicyScenarios(adapter: AdapterUnderTest): void {
  describe('requirePolicy (ABAC policy enforcement point)', () => {
    let issuer: LocalIssuer
    const servers: http.Server[] = []
    beforeAll(async () => {
      issuer = await createIssuer({ clock: () => NOW })
    })
    afterAll(() => issuer.close())
    afterEach(async () => {
      await Promise.all(servers.splice(0).map(closeServer))
    })
    const eng = (claims: Record<string, unknown> = {}) => issuer.token('documents:read', { sub: 'user-123', department: 'eng', ...claims })
    const get = async (h: PolicyHarness, path: string, token?: string) =>
      h.send(token === undefined ? h.agent.get(path) : h.agent.get(path).set('Authorization', `Bearer ${token}`))

    it('permits: the handler runs with the identity, the loader ran once with the path parameter', async () => {
      const h = await startPolicyApp(adapter, issuer, servers)
      const res = await get(h, '/docs/eng-1', await eng())
      expect({ status: res.status, body: res.body as unknown, errors: h.errors }).toEqual({ status: 200, body: { id: 'eng-1', subject: 'user-123', by: 'route' }, errors: [] })
      expect(h.loads).toEqual(['eng-1'])
    })

    it('denies (NotApplicable): 403 access_denied with a decision id only, through the default handler', async () => {
      const h = await startPolicyApp(adapter, issuer, servers)
      const res = await get(h, '/docs/hr-1', await eng())
      expectDenied(res, h)
    })

    it('denies with errorHandler(): the body is exactly { error, decision_id }, the audit event carries the same id', async () => {
      const h = await startPolicyApp(adapter, issuer, servers, { jsonErrors: true })
      const res = await get(h, '/docs/hr-1', await eng())
      const id = expectDenied(res, h)
      expect(res.body).toEqual({ error: 'access_denied', decision_id: id })
      const events = h.audit.filter((e) => e.event === 'authz_fail')
      expect(events.map((e) => e.decision_id)).toEqual([id])
      expect(JSON.stringify(events[0]?.explanation)).toContain('conformance-documents')
    })

    it('a permit is audited as authz_success with its decision id', async () => {
      const h = await startPolicyApp(adapter, issuer, servers)
      await get(h, '/docs/eng-1', await eng())
      const success = h.audit.filter((e) => e.event === 'authz_success')
      expect(success).toHaveLength(1)
      expect(success[0]?.decision_id).toMatch(/^[0-9a-f-]{36}$/)
    })

    it('deny-overrides: a matching deny rule beats the permit of the same department', async () => {
      const h = await startPolicyApp(adapter, issuer, servers)
      expectDenied(await get(h, '/docs/frozen-1', await eng()), h)
    })

    it('an unknown document is denied (the condition errors: Indeterminate), never 500', async () => {
      const h = await startPolicyApp(adapter, issuer, servers)
      expectDenied(await get(h, '/docs/nope', await eng()), h)
    })

    it('RFC 9470: a step-up obligation answers 401 insufficient_user_authentication with acr_values and max_age', async () => {
      const h = await startPolicyApp(adapter, issuer, servers)
      const weak = await get(h, '/docs/secret-1', await eng({ acr: 'pwd', auth_time: NOW_S - 10 }))
      expect({ status: weak.status, code: (h.errors.at(-1) as { code?: unknown } | undefined)?.code }).toEqual({ status: 401, code: 'insufficient_user_authentication' })
      expect(weak.headers['www-authenticate']).toBe(STEP_UP_CHALLENGE)
      const stale = await get(h, '/docs/secret-1', await eng({ acr: 'mfa', auth_time: NOW_S - 301 }))
      expect(stale.status).toBe(401)
      const fresh = await get(h, '/docs/secret-1', await eng({ acr: 'mfa', auth_time: NOW_S - 10 }))
      expect(fresh.status).toBe(200)
    })

    it('a response-headers obligation sets its headers on the permitted response', async () => {
      const h = await startPolicyApp(adapter, issuer, servers)
      const res = await get(h, '/docs/export-1', await eng())
      expect(res.status).toBe(200)
      expect(res.headers['cache-control']).toBe('no-store')
      expect(res.headers['x-content-classification']).toBe('internal')
    })

    it('an obligation with no handler denies (403), though the rule permits', async () => {
      const h = await startPolicyApp(adapter, issuer, servers)
      const id = expectDenied(await get(h, '/docs/marked-1', await eng()), h)
      expect(h.audit.find((e) => e.event === 'authz_fail')?.decision_id).toBe(id)
    })

    it('a throwing attribute provider denies (403); configured as infrastructure it answers 503, never 500', async () => {
      const broken = { load: () => Promise.reject(new Error('directory down at ldap://10.0.0.5')) }
      const h = await startPolicyApp(adapter, issuer, servers, { engine: documentsEngine(broken) })
      const res = await get(h, '/docs/dir-1', await eng())
      expectDenied(res, h)
      expect(res.text).not.toContain('ldap')

      const infra = await startPolicyApp(adapter, issuer, servers, { engine: documentsEngine({ ...broken, infrastructure: true }) })
      const down = await get(infra, '/docs/dir-1', await eng())
      expect({ status: down.status, code: (infra.errors.at(-1) as { code?: unknown } | undefined)?.code }).toEqual({ status: 503, code: 'temporarily_unavailable' })
      expect(Number(down.headers['retry-after'])).toBeGreaterThanOrEqual(1)
      expect(down.text).not.toContain('ldap')

      const working = await startPolicyApp(adapter, issuer, servers, { engine: documentsEngine({ load: () => ({ department: 'eng' }) }) })
      expect((await get(working, '/docs/dir-1', await eng())).status).toBe(200)
    })

    it('an infrastructure failure that cannot change the decision leaves it standing: the frozen document is a 403, not a 503', async () => {
      const engine = documentsEngine({ load: () => Promise.reject(new Error('down')), infrastructure: true })
      const infra = await startPolicyApp(adapter, issuer, servers, { engine })
      const res = await get(infra, '/docs/dir-frozen', await eng())
      const id = expectDenied(res, infra)
      expect(engine.explain(id)).toMatchObject({ determining: ['frozen'], infrastructureFailures: ['subject.directory'], infrastructureImpact: 'irrelevant' })
    })

    it('a missing claim and a missing document field are not "the same department": 403', async () => {
      const engine = documentsEngine()
      const h = await startPolicyApp(adapter, issuer, servers, { engine })
      const noDepartment = await issuer.token('documents:read', { sub: 'user-123' })
      const id = expectDenied(await get(h, '/docs/nodept-1', noDepartment), h)
      expect(engine.explain(id)?.missingAttributes).toEqual(['subject.claims.department'])
    })

    it('a resource loader that throws (or rejects) gives 403, never 500', async () => {
      for (const load of [() => { throw new Error('db down') }, () => Promise.reject(new Error('db down'))]) {
        const h = await startPolicyApp(adapter, issuer, servers, { load })
        const res = await get(h, '/docs/eng-1', await eng())
        expectDenied(res, h)
        expect(res.text).not.toContain('db down')
      }
    })

    it('without requireToken the subject is anonymous: denied unless the policy permits anyone', async () => {
      const h = await startPolicyApp(adapter, issuer, servers)
      const open = await get(h, '/public/docs/public-1')
      expect({ status: open.status, body: open.body as unknown }).toEqual({ status: 200, body: { id: 'public-1', subject: null, by: 'route' } })
      expectDenied(await get(h, '/public/docs/eng-1'), h)
      expect(DOCS['eng-1']?.department).toBe('eng')
    })

    it('options are validated when the app is built (not at the first request)', () => {
      const setup = { tokenOptions: { issuer: issuer.issuer, audience: issuer.audience }, load: () => undefined }
      for (const engine of [{}, null, { decide: 'no' }]) {
        let thrown: unknown
        try {
          adapter.createPolicyApp({ ...setup, engine: engine as unknown as PolicyEngine }, { onError: () => undefined })
        } catch (error) {
          thrown = error
        }
        expect((thrown as { code?: unknown } | undefined)?.code).toBe('invalid_configuration')
      }
    })

    it('a permit overridden by a deny applies none of its obligations (no headers)', async () => {
      const h = await startPolicyApp(adapter, issuer, servers)
      const denied = await get(h, '/docs/export-frozen', await eng())
      expectDenied(denied, h)
      expect(denied.headers['x-content-classification']).toBeUndefined()
    })

    it('requireToken still runs first on protected routes: no token is 401, not a policy decision', async () => {
      const h = await startPolicyApp(adapter, issuer, servers)
      const res = await get(h, '/docs/public-1')
      expect(res.status).toBe(401)
      expect(h.loads).toEqual([])
    })
  })
}
