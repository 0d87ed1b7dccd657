// The just-in-time grants examples of the root README and of packages/core/README.md, run as
// written (the local issuer stands in for the real one, a list for the logger).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import express, { type RequestHandler } from 'express'
import request from 'supertest'
import type { AuditEvent } from '@portcullis/core'
import { createGrantService, createPolicyEngine, grantFor, loadPolicyDocument, permit, policy, type GrantSubjectAttributes, type PolicyAttributes } from '@portcullis/policy'
import { grantsRouter, requirePolicy, requireToken } from '@portcullis/express'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'

let local: LocalIssuer
beforeAll(async () => {
  local = await createIssuer()
})
afterAll(() => local.close())

describe('root README: Just-in-time grants', () => {
  it('a write needs an active grant, requested and approved through grantsRouter', async () => {
    const { issuer, audience } = local
    const logged: AuditEvent[] = []
    const logger = { warn: (event: AuditEvent) => void logged.push(event) }
    const write: RequestHandler = (_req, res) => void res.json({ written: true })
    const app = express()

    const grants = createGrantService({
      resources: {
        'prod-db/*': { actions: ['write'], maxDuration: 3_600_000, approval: { approvers: { groups: ['oncall'] }, escalation: { after: 900_000, approvers: { groups: ['sre-leads'] } } } },
      },
      audit: (event) => logger.warn(event),
    })
    const engine = createPolicyEngine(loadPolicyDocument({
      id: 'jit-only',
      rules: [{ id: 'active-grant', effect: 'Permit', when: { op: 'hasGrant', attribute: 'subject.grants', ref: 'action' } }],
    }), { grants })

    app.use('/grants', grantsRouter(grants, { token: { issuer, audience } }))
    app.post('/prod-db/:table', requireToken({ issuer, audience }), requirePolicy(engine, { action: 'write', resource: (req) => `prod-db/${String(req.params['table'])}` }), write)

    const dev = await local.mint({ sub: 'dev', scope: 'grants:request' })
    const oncall = await local.mint({ sub: 'oc', scope: 'grants:approve', groups: ['oncall'] })
    expect((await request(app).post('/prod-db/orders').set('authorization', `Bearer ${dev}`)).status).toBe(403)
    const asked = await request(app).post('/grants/requests').set('authorization', `Bearer ${dev}`).send({ resource: 'prod-db/orders', actions: ['write'], justification: 'INC-1', duration: 600_000, urgency: 'MEDIUM' })
    await request(app).post(`/grants/requests/${asked.body.grant.id as string}/approve`).set('authorization', `Bearer ${oncall}`).send({}).expect(200)
    expect((await request(app).post('/prod-db/orders').set('authorization', `Bearer ${dev}`)).status).toBe(200)
    expect(logged.map((e) => e.reason)).toEqual(['grant_requested', 'grant_approved', 'grant_granted'])
  })
})

describe('packages/core/README.md: Just-in-time grants', () => {
  it('two dba approvals grant 2 h, and grantFor() permits the write', async () => {
    const person = (subject: string, groups: string[]) => ({ subject, issuer: 'https://id.example.com/', audience: [], clientId: undefined, scopes: [], claims: { groups }, tokenType: 'jwt' as const, expiresAt: undefined, confirmation: undefined, actor: [], acr: undefined, amr: undefined, authTime: undefined })
    const [identity, firstDba, secondDba] = [person('alice', []), person('bob', ['dba']), person('carol', ['dba'])]
    const grants = createGrantService({
      resources: {
        'db:prod/*': {
          actions: ['read', 'write'],
          maxDuration: 4 * 3_600_000,
          maxExtension: 3_600_000,
          autoApprove: { groups: ['dba'], actions: ['read'], maxDuration: 3_600_000, windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '18:00', timeZone: 'Europe/Paris' }] },
          approval: { approvers: { groups: ['dba'] }, required: 2, escalation: { after: 1_800_000, approvers: { groups: ['sre-leads'] }, required: 1 } },
        },
        'vault:root': { actions: ['read'], maxDuration: 1_200_000, sensitive: true, approval: { approvers: { users: ['ciso'] } } },
      },
      admins: { scopes: ['grants:admin'] },
    })
    const request = await grants.request({ identity, resource: 'db:prod/orders', actions: ['write'], justification: 'INC-42', duration: 7_200_000, urgency: 'HIGH' })
    await grants.approve(request.id, firstDba, { comment: 'ok' })
    const grant = await grants.approve(request.id, secondDba)
    expect((grant.expiresAt as number) - (grant.startsAt as number)).toBe(7_200_000)

    type A = PolicyAttributes<{ grantResource: string }, GrantSubjectAttributes>
    const engine = createPolicyEngine(policy({ id: 'tables', rules: [permit<A>('writes-need-a-grant', { actions: ['write'], when: (a) => grantFor(a) !== undefined })] }), { grants })
    const result = await engine.decide({ action: 'write', identity, request: { method: 'POST', url: '/', headers: {} }, resource: () => ({ grantResource: 'db:prod/orders' }) })
    expect(result.decision).toBe('Permit')
    expect(result.explanation.attributes['subject.grants.0.id']).toBe(grant.id)

    // `a.subject.grants` is typed.
    permit<A>('typed', { when: (a) => a.subject.grants.every((g) => typeof g.expiresAt === 'number') })
    // @ts-expect-error grants carry no such field
    permit<A>('untyped', { when: (a) => a.subject.grants[0]?.owner === 'x' })
  })
})
