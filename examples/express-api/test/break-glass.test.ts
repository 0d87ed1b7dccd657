import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import request from 'supertest'
import type { AuditEvent } from '@portcullis/core'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { createGrantsApp } from '../src/grants-app.js'

const MINUTE = 60_000

describe('example: break-glass access with a just-in-time grant', () => {
  let issuer: LocalIssuer
  const offset = { ms: 0 }
  const events: AuditEvent[] = []
  let built: ReturnType<typeof createGrantsApp>
  beforeAll(async () => {
    issuer = await createIssuer({ audience: 'https://orders.example.test' })
    built = createGrantsApp({ issuer: issuer.issuer, audience: issuer.audience }, { clock: () => Date.now() + offset.ms, audit: (e) => void events.push(e) })
  })
  afterAll(() => issuer.close())

  it('CRITICAL request with a fresh MFA, on-call approval, access, then expiry closes it again', async () => {
    const { app } = built
    const now = Math.floor(Date.now() / 1000)
    const responder = await issuer.mint({ sub: 'responder', scope: 'grants:request', acr: 'mfa', auth_time: now - 30 })
    const oncall = await issuer.mint({ sub: 'oncall-1', scope: 'grants:approve', groups: ['oncall'] })

    // No grant: the console is closed.
    expect((await request(app).get('/break-glass/console').set('Authorization', `Bearer ${responder}`)).status).toBe(403)

    // A stale authentication is refused with an RFC 9470 step-up challenge.
    const stale = await issuer.mint({ sub: 'responder', scope: 'grants:request', auth_time: now - 3600 })
    const refused = await request(app).post('/grants/requests').set('Authorization', `Bearer ${stale}`)
      .send({ resource: 'break-glass', actions: ['admin'], justification: 'SEV1: payments down', duration: 30 * MINUTE, urgency: 'CRITICAL' })
    expect(refused.status).toBe(401)
    expect(refused.headers['www-authenticate']).toMatch(/error="insufficient_user_authentication"/)
    expect(refused.headers['www-authenticate']).toMatch(/max_age/)

    const asked = await request(app).post('/grants/requests').set('Authorization', `Bearer ${responder}`)
      .send({ resource: 'break-glass', actions: ['admin'], justification: 'SEV1: payments down', duration: 30 * MINUTE, urgency: 'CRITICAL' })
    expect(asked.status).toBe(201)
    expect(asked.body.grant).toMatchObject({ status: 'pending', urgency: 'CRITICAL', grantedDuration: 30 * MINUTE }) // min(30, 20 × 1.5)
    const id = asked.body.grant.id as string

    const approved = await request(app).post(`/grants/requests/${id}/approve`).set('Authorization', `Bearer ${oncall}`).send({ comment: 'go, I am watching' })
    expect(approved.status).toBe(200)
    expect(approved.body.grant.status).toBe('active')

    const open = await request(app).get('/break-glass/console').set('Authorization', `Bearer ${responder}`)
    expect(open.status).toBe(200)
    expect(open.body).toEqual({ console: 'open', by: 'responder' })
    // Another user's token is not covered by the responder's grant.
    expect((await request(app).get('/break-glass/console').set('Authorization', `Bearer ${oncall}`)).status).toBe(403)

    // Just before the end it still works; at the end it does not, with no sweeper run.
    const expiresAt = Date.parse(approved.body.grant.expiresAt as string)
    offset.ms = expiresAt - Date.now() - 1_000
    expect((await request(app).get('/break-glass/console').set('Authorization', `Bearer ${responder}`)).status).toBe(200)
    offset.ms = expiresAt - Date.now() + 1
    expect((await request(app).get('/break-glass/console').set('Authorization', `Bearer ${responder}`)).status).toBe(403)

    expect((await built.grants.sweep()).expired).toBe(1)
    expect(events.map((e) => e.grant?.lifecycle)).toEqual(['requested', 'approved', 'granted', 'expired'])
    expect(events.find((e) => e.grant?.lifecycle === 'approved')).toMatchObject({ user_id: 'oncall-1', grant: { requester: 'responder', why: 'go, I am watching', urgency: 'CRITICAL' } })
  })
})
