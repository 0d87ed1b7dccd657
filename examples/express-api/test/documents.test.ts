import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import request from 'supertest'
import type { PolicyEngine } from '@portcullis/policy'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { createDocumentsApp } from '../src/documents.js'
import { createDocumentsEngine } from '../src/documents-policy.js'

// Monday 2026-01-05 10:00Z is 11:00 in Paris: business hours. The clock is frozen; tests move it.
const MONDAY = Date.parse('2026-01-05T10:00:00Z')
const SATURDAY = Date.parse('2026-01-10T10:00:00Z')
const CORPORATE = '10.1.2.3'
const UNTRUSTED = '203.0.113.9'

describe('example: documents API (requirePolicy on Express)', () => {
  let now = MONDAY
  let issuer: LocalIssuer
  let engine: PolicyEngine
  let app: ReturnType<typeof createDocumentsApp>
  beforeAll(async () => {
    issuer = await createIssuer({ audience: 'https://documents.example.test', clock: () => now })
    // The tests reach the app over loopback, acting as the reverse proxy that sets X-Forwarded-For.
    engine = await createDocumentsEngine({ clock: () => now, trustedProxies: ['127.0.0.1/32', '::1/128'] })
    app = createDocumentsApp({ issuer: issuer.issuer, audience: issuer.audience, clock: () => now }, engine)
  })
  afterAll(() => issuer.close())

  const alice = (claims: Record<string, unknown> = {}) => issuer.token(['documents:read', 'documents:write'], { sub: 'alice', department: 'eng', clearance: 'CONFIDENTIAL', ...claims })
  /** GET through the (loopback) proxy from client `from`; `device: null` sends no X-Device-Trust. */
  async function read(id: string, token: string, from = CORPORATE, device: string | null = 'high') {
    const test = request(app).get(`/documents/${id}`).set('Authorization', `Bearer ${token}`).set('X-Forwarded-For', from)
    return device === null ? await test : await test.set('X-Device-Trust', device)
  }
  /** 403 with only a decision id; returns the rules that decided, from the operator's explanation. */
  function denied(res: request.Response): readonly string[] {
    expect(res.status).toBe(403)
    expect(Object.keys(res.body as object)).toEqual(['error', 'decision_id'])
    expect((res.body as { error: string }).error).toBe('access_denied')
    const explanation = engine.explain((res.body as { decision_id: string }).decision_id)
    expect(explanation).toBeDefined()
    return explanation?.determining ?? []
  }

  it('clearance at least the classification, same department, office hours, corporate network, trusted device: 200', async () => {
    now = MONDAY
    expect((await read('handbook', await alice())).body).toMatchObject({ id: 'handbook', classification: 'INTERNAL' })
    expect((await read('roadmap', await alice())).status).toBe(200)
  })

  it('clearance below the classification: 403', async () => {
    now = MONDAY
    const bob = await issuer.token('documents:read', { sub: 'bob', department: 'eng', clearance: 'INTERNAL' })
    expect(denied(await read('roadmap', bob))).toEqual([])
    expect((await read('handbook', bob)).status).toBe(200)
    denied(await read('merger', await alice()))
  })

  it('another department: 403, and the body never names a rule or an attribute', async () => {
    now = MONDAY
    const res = await read('payroll', await alice())
    denied(res)
    expect(res.text).not.toMatch(/department|clearance|hr|payroll/)
  })

  it('business hours: CONFIDENTIAL is refused on Saturday, INTERNAL still served from the office', async () => {
    now = SATURDAY
    expect(denied(await read('roadmap', await alice()))).toEqual(['sensitive-outside-business-hours'])
    expect((await read('handbook', await alice())).status).toBe(200)
    now = MONDAY
  })

  it('untrusted network: CONFIDENTIAL is refused; X-Forwarded-For from an untrusted peer is ignored', async () => {
    now = MONDAY
    expect(denied(await read('roadmap', await alice(), UNTRUSTED))).toEqual(['sensitive-from-untrusted-network'])
    expect((await read('handbook', await alice(), UNTRUSTED)).status).toBe(200)
    expect((await read('roadmap', await alice(), '100.64.1.1')).status).toBe(200) // VPN zone
  })

  it('low device trust: CONFIDENTIAL is refused; a missing device header fails closed', async () => {
    now = MONDAY
    expect(denied(await read('roadmap', await alice(), CORPORATE, 'low'))).toEqual(['sensitive-on-low-trust-device'])
    denied(await read('roadmap', await alice(), CORPORATE, null))
    expect((await read('handbook', await alice(), CORPORATE, 'low')).status).toBe(200)
  })

  it('a missing or unknown device-trust header cannot lower the risk score: even INTERNAL is refused, and the explanation names it', async () => {
    now = MONDAY
    for (const device of [null, 'bogus']) {
      const res = await read('handbook', await alice(), CORPORATE, device)
      expect(denied(res)).toEqual([])
      const explanation = engine.explain((res.body as { decision_id: string }).decision_id)
      expect(explanation?.errors.find((e) => e.rule === 'high-risk')?.reason).toMatch(/factor low-device-trust: input environment.deviceTrust is/)
      if (device === null) expect(explanation?.missingAttributes).toContain('environment.deviceTrust')
    }
  })

  it("business hours at the document's site, across time zones and DST", async () => {
    // Monday 10:00Z is 05:00 in New York: the New York forecast is closed, the Paris roadmap open.
    now = MONDAY
    expect(denied(await read('forecast', await alice()))).toEqual(['sensitive-outside-business-hours'])
    now = Date.parse('2026-01-05T15:00:00Z') // 10:00 in New York, 16:00 in Paris
    expect((await read('forecast', await alice())).status).toBe(200)
    // 13:30Z on 9 March is 09:30 in New York (EDT since 8 March); on 6 March (EST) it is 08:30.
    now = Date.parse('2026-03-09T13:30:00Z')
    expect((await read('forecast', await alice())).status).toBe(200)
    now = Date.parse('2026-03-06T13:30:00Z')
    expect(denied(await read('forecast', await alice()))).toEqual(['sensitive-outside-business-hours'])
    now = MONDAY
  })

  describe('missing and failing inputs never open access', () => {
    const doc = { id: 'x', type: 'document', title: 'X', classification: 'INTERNAL', department: 'eng', owner: 'alice', legalHold: false, siteTimeZone: 'Europe/Paris' }
    async function readFrom(documents: unknown, token: string) {
      const other = createDocumentsApp({ issuer: issuer.issuer, audience: issuer.audience, clock: () => now }, engine, documents as never)
      return request(other).get('/documents/x').set('Authorization', `Bearer ${token}`).set('X-Forwarded-For', CORPORATE).set('X-Device-Trust', 'high')
    }
    const explain = (res: request.Response) => engine.explain((res.body as { decision_id: string }).decision_id)

    it('no department on either side is not "the same department"', async () => {
      now = MONDAY
      const noDepartment: Partial<typeof doc> = { ...doc }
      delete noDepartment.department
      const res = await readFrom(new Map([['x', noDepartment]]), await issuer.token('documents:read', { sub: 'alice', clearance: 'RESTRICTED' }))
      expect(denied(res)).toEqual([])
      expect(explain(res)?.missingAttributes).toContain('subject.claims.department')
    })

    it('a document with no or an unknown site time zone is refused (the risk score and the hours rule cannot be assessed)', async () => {
      now = MONDAY
      for (const siteTimeZone of [undefined, 'Mars/Olympus']) {
        const res = await readFrom(new Map([['x', { ...doc, classification: 'CONFIDENTIAL', siteTimeZone }]]), await alice())
        expect(denied(res)).toEqual([])
        expect(explain(res)?.decision).toMatch(/^Indeterminate/)
      }
    })

    it('a RESTRICTED document without its step-up max age is refused, never served without the step-up', async () => {
      now = MONDAY
      const dana = await issuer.token('documents:read', { sub: 'dana', department: 'eng', clearance: 'RESTRICTED', acr: 'mfa', auth_time: now / 1000 - 60 })
      const res = await readFrom(new Map([['x', { ...doc, classification: 'RESTRICTED' }]]), dana)
      expect(denied(res)).toEqual([])
      expect(explain(res)?.missingAttributes).toContain('resource.stepUpMaxAge')
    })

    it('a failing document store is a 403 naming the failed resource, not a 500', async () => {
      now = MONDAY
      const res = await readFrom({ get: () => { throw new Error('store down') } }, await alice())
      expect(denied(res)).toEqual([])
      expect(explain(res)?.failedAttributes.map((f) => f.attribute)).toContain('resource')
    })
  })

  it('risk scoring: untrusted network + low device trust (70 > 50) refuses even an INTERNAL document', async () => {
    now = MONDAY
    const res = await read('handbook', await alice(), UNTRUSTED, 'low')
    expect(denied(res)).toEqual(['high-risk'])
    const risk = engine.explain((res.body as { decision_id: string }).decision_id)?.risk
    expect(risk).toEqual({ score: 70, factors: [{ name: 'untrusted-network', points: 40 }, { name: 'low-device-trust', points: 30 }] })
  })

  it('step-up MFA for RESTRICTED documents: 401 insufficient_user_authentication, then 200 after a recent MFA', async () => {
    now = MONDAY
    const dana = (claims: Record<string, unknown>) => issuer.token('documents:read', { sub: 'dana', department: 'eng', clearance: 'RESTRICTED', ...claims })
    const weak = await read('merger', await dana({ acr: 'pwd', auth_time: now / 1000 - 60 }))
    expect(weak.status).toBe(401)
    expect(weak.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", error_description="A stronger or more recent authentication is required", acr_values="mfa", max_age="300"',
    )
    expect(weak.body).toMatchObject({ error: 'insufficient_user_authentication' })
    expect((await read('merger', await dana({ acr: 'mfa', auth_time: now / 1000 - 3600 }))).status).toBe(401)
    expect((await read('merger', await dana({ acr: 'mfa', auth_time: now / 1000 - 60 }))).status).toBe(200)
  })

  it('deny-overrides: the owner may edit, but a legal hold wins over the owner rule', async () => {
    now = MONDAY
    const edit = async (id: string, token: string) =>
      request(app).put(`/documents/${id}`).set('Authorization', `Bearer ${token}`).set('X-Forwarded-For', CORPORATE).set('X-Device-Trust', 'high').send({ title: 'Edited' })
    expect((await edit('handbook', await alice())).body).toMatchObject({ id: 'handbook', title: 'Edited' })
    expect(denied(await edit('contract', await alice()))).toEqual(['legal-hold'])
    // Another owner's document: owner-edits compares required attributes, so it cannot apply.
    const bob = await issuer.token('documents:write', { sub: 'bob', department: 'eng', clearance: 'RESTRICTED' })
    denied(await edit('handbook', bob))
  })

  it('only the owner may delete, never under a legal hold', async () => {
    now = MONDAY
    const remove = async (id: string, token: string) =>
      request(app).delete(`/documents/${id}`).set('Authorization', `Bearer ${token}`).set('X-Forwarded-For', CORPORATE).set('X-Device-Trust', 'high')
    const carol = await issuer.token('documents:write', { sub: 'carol', department: 'hr', clearance: 'RESTRICTED' })
    denied(await remove('roadmap', carol))
    expect(denied(await remove('contract', await alice()))).toEqual(['legal-hold'])
    expect((await remove('roadmap', await alice())).status).toBe(204)
    denied(await remove('roadmap', await alice())) // gone: an unknown document is a 403
  })

  it('scopes come first; an unknown document is a 403 like any other denial (no existence oracle)', async () => {
    now = MONDAY
    const noScope = await issuer.token('profile', { sub: 'alice', department: 'eng', clearance: 'RESTRICTED' })
    const res = await read('handbook', noScope)
    expect(res.status).toBe(403)
    expect(res.headers['www-authenticate']).toContain('scope="documents:read"')
    denied(await read('nope', await alice()))
  })
})
