import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Server } from 'node:http'
import request from 'supertest'
import express5 from 'express'
import express4 from 'express4'
import Koa3 from 'koa'
import Koa2 from 'koa2'
import Fastify5 from 'fastify'
import Fastify4 from 'fastify4'
import { grantsRouter as expressGrants, requirePolicy as expressPolicy, requireToken as expressToken, errorHandler as expressErrors } from '@portcullis/express'
import { grantsRouter as koaGrants, requirePolicy as koaPolicy, requireToken as koaToken } from '@portcullis/koa'
import { grantsRouter as fastifyGrants, requirePolicy as fastifyPolicy, requireToken as fastifyToken, errorHandler as fastifyErrors } from '@portcullis/fastify'
import { createGrantService, createPolicyEngine, loadPolicyDocument, type GrantService } from '@portcullis/policy'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import type { AuditEvent } from '@portcullis/core'
import type { FastifyRequest } from 'fastify'

const HOUR = 3_600_000
let issuer: LocalIssuer

beforeAll(async () => {
  issuer = await createIssuer()
})
afterAll(async () => {
  await issuer.close()
})

interface World {
  events: AuditEvent[]
  server: Server
  grants: GrantService
  offset: { ms: number }
}

const tables = loadPolicyDocument({
  id: 'tables',
  rules: [
    { id: 'reads', effect: 'Permit', target: { actions: ['read'] } },
    { id: 'writes-need-a-grant', effect: 'Permit', target: { actions: ['write'] }, when: { op: 'hasGrant', attribute: 'subject.grants', ref: 'action' } },
  ],
})

function service(offset: { ms: number }, events: AuditEvent[]): GrantService {
  return createGrantService({
    audit: (event) => void events.push(event),
    clock: () => Date.now() + offset.ms,
    admins: { scopes: ['grants:admin'] },
    resources: {
      'db:prod/*': { actions: ['read', 'write'], maxDuration: 2 * HOUR, maxExtension: HOUR, approval: { approvers: { groups: ['dba'] } } },
    },
  })
}

type Build = (grants: GrantService, offset: { ms: number }) => Server | Promise<Server>

const token = { get issuer() { return issuer.issuer }, get audience() { return issuer.audience } }

const expressApp = (express: typeof express5): Build => (grants, offset) => {
  const app = express()
  const tokenOptions = { issuer: token.issuer, audience: token.audience }
  app.use('/grants', expressGrants(grants, { token: tokenOptions }))
  const engine = createPolicyEngine(tables, { grants, clock: () => Date.now() + offset.ms })
  app.post('/tables/:name', expressToken(tokenOptions), expressPolicy(engine, { action: 'write', resource: (req) => ({ grantResource: `db:prod/${String(req.params.name)}` }) }), (_req, res) => {
    res.json({ written: true })
  })
  app.use(expressErrors())
  return app.listen(0, '127.0.0.1')
}

const koaApp = (Koa: typeof Koa3): Build => (grants, offset) => {
  const app = new Koa()
  const tokenOptions = { issuer: token.issuer, audience: token.audience }
  app.use(koaGrants(grants, { token: tokenOptions }))
  const engine = createPolicyEngine(tables, { grants, clock: () => Date.now() + offset.ms })
  const auth = koaToken(tokenOptions)
  const policy = koaPolicy(engine, { action: 'write', resource: (ctx) => ({ grantResource: `db:prod/${ctx.path.split('/')[2] ?? ''}` }) })
  app.use(async (ctx, next) => {
    if (ctx.method !== 'POST' || !ctx.path.startsWith('/tables/')) return next()
    await auth(ctx, async () => {
      await policy(ctx, async () => {
        ctx.body = { written: true }
      })
    })
  })
  return app.listen(0, '127.0.0.1')
}

const fastifyApp = (fastify: typeof Fastify5): Build => async (grants, offset) => {
  const app = fastify()
  const tokenOptions = { issuer: token.issuer, audience: token.audience }
  await app.register(fastifyGrants(grants, { token: tokenOptions }))
  const engine = createPolicyEngine(tables, { grants, clock: () => Date.now() + offset.ms })
  const write = fastifyPolicy(engine, { action: 'write', resource: (req: FastifyRequest<{ Params: { name: string } }>) => ({ grantResource: `db:prod/${req.params.name}` }) })
  app.post('/tables/:name', { preHandler: [fastifyToken(tokenOptions), write] }, () => ({ written: true }))
  app.setErrorHandler(fastifyErrors())
  await app.listen({ port: 0, host: '127.0.0.1' })
  return app.server
}

describe.each([
  ['Express 5', expressApp(express5)],
  ['Express 4', expressApp(express4 as unknown as typeof express5)],
  ['Koa 3', koaApp(Koa3)],
  ['Koa 2', koaApp(Koa2 as unknown as typeof Koa3)],
  ['Fastify 5', fastifyApp(Fastify5)],
  ['Fastify 4', fastifyApp(Fastify4 as unknown as typeof Fastify5)],
])('grants admin routes on %s (real HTTP)', (_name, build) => {
  let world: World
  let alice: string
  let bob: string
  let carol: string
  let eve: string
  beforeAll(async () => {
    const offset = { ms: 0 }
    const events: AuditEvent[] = []
    const grants = service(offset, events)
    world = { server: await build(grants, offset), grants, offset, events }
    alice = await issuer.mint({ sub: 'alice', scope: 'grants:request' })
    bob = await issuer.mint({ sub: 'bob', scope: 'grants:approve', groups: ['dba'] })
    carol = await issuer.mint({ sub: 'carol', scope: 'grants:approve', groups: ['dba'] })
    eve = await issuer.mint({ sub: 'eve', scope: 'grants:approve', groups: ['marketing'] })
  })
  afterAll(async () => {
    await new Promise((resolve) => world.server.close(resolve))
  })

  const api = (): ReturnType<typeof request> => request(world.server)
  const ask = (who: string, body: object = { resource: 'db:prod/orders', actions: ['write'], justification: 'INC-9', duration: HOUR, urgency: 'HIGH' }): ReturnType<ReturnType<typeof request>['post']> =>
    api().post('/grants/requests').set('authorization', `Bearer ${who}`).send(body)

  it('requires a token and the scope', async () => {
    const none = await api().get('/grants/requests/mine')
    expect(none.status).toBe(401)
    expect(none.headers['www-authenticate']).toMatch(/^Bearer realm=/)
    const wrongScope = await api().post('/grants/requests/x/approve').set('authorization', `Bearer ${alice}`).send({})
    expect(wrongScope.status).toBe(403)
    expect(wrongScope.body.error).toBe('insufficient_scope')
  })

  it.each([
    [{ resource: 'db:prod/orders', actions: ['write'], justification: 'x', duration: HOUR }, 'urgency'],
    [{ resource: 'db:prod/orders', actions: 'write', justification: 'x', duration: HOUR, urgency: 'HIGH' }, 'actions'],
    [{ resource: 'db:prod/orders', actions: ['write'], justification: 'x', duration: HOUR, urgency: 'HIGH', admin: true }, 'admin'],
    [{ resource: 'db:prod/orders', actions: ['write'], justification: 'x', duration: 3 * HOUR + 1, urgency: 'HIGH' }, 'duration'],
    [[1, 2], '$'],
  ])('validates the JSON input with a precise 400 (%#)', async (body, field) => {
    const res = await ask(alice, body)
    expect(res.status).toBe(400)
    expect(res.body.field).toBe(field)
  })

  it('refuses malformed JSON with 400, never 500', async () => {
    const res = await api().post('/grants/requests').set('authorization', `Bearer ${alice}`).set('content-type', 'application/json').send('{"resource":')
    expect(res.status).toBe(400)
    expect(res.body).toMatchObject({ error: 'invalid_input', field: '$' })
  })

  it('request, approve (idempotently), access, revoke: the revoked grant is refused on the very next request', async () => {
    const write = (): ReturnType<ReturnType<typeof request>['post']> => api().post('/tables/orders').set('authorization', `Bearer ${alice}`)
    expect((await write()).status).toBe(403)
    const created = await ask(alice).set('x-request-id', 'req-123').set('user-agent', 'grants-test')
    expect(created.status).toBe(201)
    const id = created.body.grant.id as string
    expect(world.events.find((e) => e.grant?.id === id)).toMatchObject({ event: 'authz_change', reason: 'grant_requested', correlation_id: 'req-123', request_method: 'POST', request_uri: '/grants/requests', useragent: 'grants-test', user_id: 'alice' })
    expect(created.body.grant).toMatchObject({ status: 'pending', justification: 'INC-9', urgency: 'HIGH' })

    const approvable = await api().get('/grants/requests/approvable').set('authorization', `Bearer ${bob}`)
    expect(approvable.body.grants.map((g: { id: string }) => g.id)).toContain(id)
    expect((await api().get('/grants/requests/approvable').set('authorization', `Bearer ${eve}`)).body.grants).toEqual([])

    const stranger = await api().post(`/grants/requests/${id}/approve`).set('authorization', `Bearer ${eve}`).send({})
    expect(stranger.status).toBe(403) // the admin policy: eve approves nothing on db:prod
    expect(stranger.body.error).toBe('access_denied')

    const approved = await api().post(`/grants/requests/${id}/approve`).set('authorization', `Bearer ${bob}`).set('idempotency-key', 'k-1').send({ comment: 'go' })
    expect(approved.status).toBe(200)
    expect(approved.body.grant.status).toBe('active')
    const retried = await api().post(`/grants/requests/${id}/approve`).set('authorization', `Bearer ${bob}`).set('idempotency-key', 'k-1').send({ comment: 'go' })
    expect(retried.body).toEqual(approved.body)
    const natural = await api().post(`/grants/requests/${id}/approve`).set('authorization', `Bearer ${bob}`).send({ comment: 'go' })
    expect(natural.status).toBe(200)
    expect(natural.body.grant.approvals).toHaveLength(1)
    const reused = await api().post(`/grants/requests/${id}/reject`).set('authorization', `Bearer ${bob}`).set('idempotency-key', 'k-1').send({})
    expect(reused.status).toBe(400)

    expect((await write()).status).toBe(200)
    const mine = await api().get('/grants/requests/mine').set('authorization', `Bearer ${alice}`)
    expect(mine.body.grants[0]).toMatchObject({ id, status: 'active' })

    const revoked = await api().post(`/grants/requests/${id}/revoke`).set('authorization', `Bearer ${alice}`).send({ reason: 'done' })
    expect(revoked.body.grant.status).toBe('revoked')
    expect((await write()).status).toBe(403)
    const again = await api().post(`/grants/requests/${id}/revoke`).set('authorization', `Bearer ${alice}`).send({ reason: 'done' })
    expect(again.status).toBe(200)
  })

  it('self-approval is refused, a rejection ends the request, extension beyond the limit is refused', async () => {
    const selfRequest = await ask(bob, { resource: 'db:prod/users', actions: ['read'], justification: 'audit', duration: HOUR, urgency: 'LOW' })
    expect(selfRequest.status).toBe(403) // bob has no grants:request scope
    const created = await ask(alice, { resource: 'db:prod/users', actions: ['read'], justification: 'audit', duration: HOUR, urgency: 'HIGH' })
    const id = created.body.grant.id as string
    const rejected = await api().post(`/grants/requests/${id}/reject`).set('authorization', `Bearer ${carol}`).send({ comment: 'no' })
    expect(rejected.body.grant).toMatchObject({ status: 'rejected', rejection: { approver: 'carol', comment: 'no' } })
    const late = await api().post(`/grants/requests/${id}/approve`).set('authorization', `Bearer ${bob}`).send({})
    expect(late.status).toBe(409)

    const second = await ask(alice, { resource: 'db:prod/users', actions: ['read'], justification: 'audit again', duration: HOUR, urgency: 'HIGH' })
    const gid = second.body.grant.id as string
    await api().post(`/grants/requests/${gid}/approve`).set('authorization', `Bearer ${carol}`).send({})
    const tooLong = await api().post(`/grants/requests/${gid}/extend`).set('authorization', `Bearer ${alice}`).send({ duration: HOUR + 1, justification: 'more' })
    expect(tooLong.status).toBe(400)
    expect(tooLong.body).toMatchObject({ error: 'extension_exceeded', field: 'duration' })
    const ok = await api().post(`/grants/requests/${gid}/extend`).set('authorization', `Bearer ${alice}`).send({ duration: HOUR, justification: 'more' })
    expect(ok.status).toBe(200)
  })

  it('self-approval is refused over HTTP even for an approver of the resource', async () => {
    const dba = await issuer.mint({ sub: 'dana', scope: 'grants:request grants:approve', groups: ['dba'] })
    const created = await ask(dba, { resource: 'db:prod/audit', actions: ['read'], justification: 'self', duration: HOUR, urgency: 'HIGH' })
    expect(created.status).toBe(201)
    const own = await api().post(`/grants/requests/${created.body.grant.id as string}/approve`).set('authorization', `Bearer ${dba}`).send({})
    expect(own.status).toBe(403)
    expect(own.body.error).toBe('self_approval')
    expect((await api().get('/grants/requests/approvable').set('authorization', `Bearer ${dba}`)).body.grants.map((g: { id: string }) => g.id)).not.toContain(created.body.grant.id)
  })

  it('an unknown grant id is not an oracle: 403 like a grant of someone else', async () => {
    const res = await api().post('/grants/requests/does-not-exist/revoke').set('authorization', `Bearer ${alice}`).send({})
    expect(res.status).toBe(403)
  })
})

describe.each([
  ['Fastify 5', Fastify5],
  ['Fastify 4', Fastify4 as unknown as typeof Fastify5],
])('grantsRouter plugin on %s (real HTTP)', (_name, fastify) => {
  it('serves under its prefix within the registration prefix, and only JSON bodies', async () => {
    const app = fastify()
    await app.register(fastifyGrants(service({ ms: 0 }, []), { prefix: '/jit', token: { issuer: issuer.issuer, audience: issuer.audience } }), { prefix: '/admin' })
    await app.listen({ port: 0, host: '127.0.0.1' })
    try {
      const alice = await issuer.mint({ sub: 'alice', scope: 'grants:request' })
      const body = JSON.stringify({ resource: 'db:prod/orders', actions: ['read'], justification: 'INC-1', duration: HOUR, urgency: 'HIGH' })
      expect((await request(app.server).get('/grants/requests/mine').set('authorization', `Bearer ${alice}`)).status).toBe(404)
      const text = await request(app.server).post('/admin/jit/requests').set('authorization', `Bearer ${alice}`).set('content-type', 'text/plain').send(body)
      expect(text.status).toBe(400)
      expect(text.body).toMatchObject({ error: 'invalid_input', field: '$' })
      const created = await request(app.server).post('/admin/jit/requests').set('authorization', `Bearer ${alice}`).set('content-type', 'application/json').send(body)
      expect(created.status).toBe(201)
      const mine = await request(app.server).get('/admin/jit/requests/mine').set('authorization', `Bearer ${alice}`)
      expect(mine.body.grants.map((g: { id: string }) => g.id)).toEqual([created.body.grant.id])
    } finally {
      await app.close()
    }
  })
})
