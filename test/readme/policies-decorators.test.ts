// The root README's "Policies" and "Decorators" examples, run as written (with the local
// issuer standing in for https://id.example.com/), so the documentation cannot drift.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import express, { type Request, type Response } from 'express'
import request from 'supertest'
import { createPolicyEngine, deny, permit, policy, type PolicyAttributes } from '@portcullis/policy'
import { Authorize, errorHandler, RequireAuthentication, RequireScope, requirePolicy, requireToken } from '@portcullis/express'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'

type Doc = { id: string; department: string; frozen: boolean }
type A = PolicyAttributes<Doc>
const docs = new Map<string, Doc>([
  ['1', { id: '1', department: 'eng', frozen: false }],
  ['2', { id: '2', department: 'eng', frozen: true }],
])

const documents = createPolicyEngine(policy({
  id: 'documents',
  rules: [
    permit<A>('same-department', { actions: ['read', 'update'], when: (a) => a.subject.claims.department === a.resource.department }),
    deny<A>('frozen', { when: (a) => a.resource.frozen }), // deny-overrides: a deny wins
  ],
}))

class DocumentsController {
  constructor(private readonly store: Map<string, Doc>) {}

  @RequireScope('documents:write')
  @Authorize(documents, { action: 'update', resource: (req) => docs.get(String(req.params['id'])) })
  async update(req: Request, res: Response) {
    await Promise.resolve()
    res.json({ updatedBy: req.auth?.subject, size: this.store.size })
  }

  @RequireAuthentication({ acr: ['urn:example:mfa'], maxAge: 300 })
  publish(req: Request, res: Response) {
    res.json({ publishedBy: req.auth?.subject })
  }
}

describe('README: Policies and Decorators', () => {
  let issuer: LocalIssuer
  let app: express.Express
  beforeAll(async () => {
    issuer = await createIssuer()
    app = express()
    app.use(requireToken({ issuer: issuer.issuer, audience: issuer.audience }))
    app.get('/docs/:id', requirePolicy(documents, { action: 'read', resource: (req) => docs.get(String(req.params['id'])) }), (req, res) => {
      res.json(docs.get(String(req.params['id'])))
    })
    const controller = new DocumentsController(docs)
    app.put('/docs/:id', controller.update)
    app.post('/docs/:id/publish', controller.publish)
    app.use(errorHandler())
  })
  afterAll(() => issuer.close())

  it('requirePolicy permits the same department and denies with a decision id otherwise', async () => {
    const eng = await issuer.token('documents:read', { department: 'eng' })
    await request(app).get('/docs/1').set('Authorization', `Bearer ${eng}`).expect(200, { id: '1', department: 'eng', frozen: false })
    const frozen = await request(app).get('/docs/2').set('Authorization', `Bearer ${eng}`).expect(403)
    const id = (frozen.body as { decision_id: string }).decision_id
    expect(frozen.body).toEqual({ error: 'access_denied', decision_id: id })
    expect(documents.explain(id)?.determining).toEqual(['frozen'])
    const sales = await issuer.token('documents:read', { department: 'sales' })
    expect((await request(app).get('/docs/1').set('Authorization', `Bearer ${sales}`)).status).toBe(403)
  })

  it('the decorated controller method keeps `this` and enforces the scope, then the policy', async () => {
    const writer = await issuer.token('documents:write', { sub: 'alice', department: 'eng' })
    await request(app).put('/docs/1').set('Authorization', `Bearer ${writer}`).expect(200, { updatedBy: 'alice', size: 2 })
    const reader = await issuer.token('documents:read', { department: 'eng' })
    const res = await request(app).put('/docs/1').set('Authorization', `Bearer ${reader}`)
    expect(res.status).toBe(403)
    expect(res.body).toMatchObject({ error: 'insufficient_scope' })
    expect((await request(app).put('/docs/2').set('Authorization', `Bearer ${writer}`)).body).toMatchObject({ error: 'access_denied' })
  })

  it('the @RequireAuthentication method asks for a stronger or more recent authentication (RFC 9470)', async () => {
    const now = Math.floor(Date.now() / 1000)
    const password = await issuer.token('documents:read', { sub: 'alice', acr: 'urn:example:pwd', auth_time: now })
    const weak = await request(app).post('/docs/1/publish').set('Authorization', `Bearer ${password}`)
    expect(weak.status).toBe(401)
    expect(weak.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", error_description="A stronger authentication is required", acr_values="urn:example:mfa", max_age="300"',
    )
    const mfa = await issuer.token('documents:read', { sub: 'alice', acr: 'urn:example:mfa', auth_time: now })
    await request(app).post('/docs/1/publish').set('Authorization', `Bearer ${mfa}`).expect(200, { publishedBy: 'alice' })
  })
})
