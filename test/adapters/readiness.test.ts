// requireToken() returns middleware that also carries ready(), health(), cache and its
// authenticator, on every adapter: a wrong issuer is found at startup, a /health route reports
// the keys, and a 503 audit event names the failing dependency. Real HTTP (supertest).
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { createServer as createNetServer } from 'node:net'
import type { Server } from 'node:http'
import express from 'express'
import Fastify from 'fastify'
import Koa from 'koa'
import request from 'supertest'
import type { AuditEvent, RequireTokenOptions } from '@portcullis/core'
import * as portcullisExpress from '@portcullis/express'
import * as portcullisFastify from '@portcullis/fastify'
import * as portcullisKoa from '@portcullis/koa'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'

async function closedPort(): Promise<number> {
  const server = createNetServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

type Middleware = portcullisExpress.PortcullisMiddleware | portcullisKoa.PortcullisMiddleware | portcullisFastify.PortcullisMiddleware

/** An app with a public /health route (503 when down) and a protected /me, per adapter. */
const adapters: Array<{ name: string; build(options: RequireTokenOptions): { auth: Middleware; server: Server } | Promise<{ auth: Middleware; server: Server }> }> = [
  {
    name: 'Express',
    build(options) {
      const auth = portcullisExpress.requireToken(options)
      const app = express()
      app.get('/health', (_req, res) => {
        const health = auth.health()
        res.status(health.status === 'down' ? 503 : 200).json(health)
      })
      app.use(auth)
      app.get('/me', (req, res) => void res.json({ sub: req.auth?.subject }))
      app.use(portcullisExpress.errorHandler())
      return { auth, server: app.listen(0, '127.0.0.1') }
    },
  },
  {
    name: 'Koa',
    build(options) {
      const auth = portcullisKoa.requireToken(options)
      const app = new Koa()
      app.use(portcullisKoa.errorHandler())
      app.use(async (ctx, next) => {
        if (ctx.path !== '/health') return next()
        const health = auth.health()
        ctx.status = health.status === 'down' ? 503 : 200
        ctx.body = health
      })
      app.use(auth)
      app.use((ctx) => void (ctx.body = { sub: ctx.state.auth?.subject }))
      return { auth, server: app.listen(0, '127.0.0.1') }
    },
  },
  {
    name: 'Fastify',
    async build(options) {
      const auth = portcullisFastify.requireToken(options)
      const app = Fastify()
      app.setErrorHandler(portcullisFastify.errorHandler())
      app.get('/health', (_request, reply) => {
        const health = auth.health()
        return reply.code(health.status === 'down' ? 503 : 200).send(health)
      })
      app.get('/me', { preHandler: auth }, (request) => ({ sub: request.auth?.subject }))
      await app.listen({ port: 0, host: '127.0.0.1' })
      return { auth, server: app.server }
    },
  },
]

describe.each(adapters)('requireToken() readiness ($name)', ({ build }) => {
  let issuer: LocalIssuer
  const servers: Server[] = []
  const start = async (options: RequireTokenOptions) => {
    const built = await build(options)
    servers.push(built.server)
    return built
  }

  beforeAll(async () => {
    issuer = await createIssuer()
  })
  afterEach(async () => {
    issuer.setJwksBehaviour('ok')
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))))
  })
  afterAll(async () => {
    await issuer.close()
  })

  it('ready() fetches the keys at startup; /health answers 503 down before, 200 ok after', async () => {
    const { auth, server } = await start({ issuer: issuer.issuer, audience: issuer.audience })
    const before = await request(server).get('/health').expect(503)
    expect(before.body).toEqual({ status: 'down', issuers: [{ issuer: issuer.issuer, keys: 0, stale: false }] })
    await expect(auth.ready()).resolves.toEqual({ issuers: [{ issuer: issuer.issuer, keys: 1 }] })
    const after = await request(server).get('/health').expect(200)
    expect(after.body).toMatchObject({ status: 'ok', issuers: [{ issuer: issuer.issuer, jwksUri: issuer.jwksUri, keys: 1, stale: false }] })
    await request(server).get('/me').set('Authorization', `Bearer ${await issuer.mint({ sub: 'alice' })}`).expect(200, { sub: 'alice' })
  })

  it('an unreachable issuer: ready() rejects with a ReadinessError naming the URL', async () => {
    const port = await closedPort()
    const { auth } = await start({ issuer: `http://127.0.0.1:${port}/`, audience: 'https://api.example.com' })
    const error = await auth.ready().then(() => undefined, (thrown: unknown) => thrown as portcullisExpress.ReadinessError)
    expect(error?.name).toBe('ReadinessError')
    expect(error?.failures[0]).toMatchObject({ kind: 'connect', url: expect.stringContaining(`http://127.0.0.1:${port}/`) })
  })

  it('a JWKS answering 500: the 503 audit event names the dependency, /health shows the error', async () => {
    const events: AuditEvent[] = []
    const { auth, server } = await start({ issuer: issuer.issuer, audience: issuer.audience, audit: (event) => void events.push(event) })
    issuer.setJwksBehaviour('error')
    await request(server).get('/me').set('Authorization', `Bearer ${await issuer.mint({ sub: 'alice' })}`).expect(503)
    expect(events.at(-1)).toMatchObject({ outcome: 'unknown', dependency: { kind: 'http_status', url: issuer.jwksUri } })
    const health = await request(server).get('/health').expect(503)
    expect(health.body.issuers[0]).toMatchObject({ keys: 0, lastError: { kind: 'http_status', url: issuer.jwksUri } })
    expect(auth.authenticator.health()).toEqual(health.body)
  })

  it('exposes the verified-token cache of the middleware', async () => {
    const { auth, server } = await start({ issuer: issuer.issuer, audience: issuer.audience })
    const token = await issuer.mint({ sub: 'alice' })
    await request(server).get('/me').set('Authorization', `Bearer ${token}`).expect(200)
    expect(auth.cache).toBe(auth.authenticator.cache)
    // Admitted at its second use (cache.admission, default 'second-use').
    expect(auth.cache.size).toBe(0)
    await request(server).get('/me').set('Authorization', `Bearer ${token}`).expect(200)
    expect(auth.cache.size).toBe(1)
    expect(auth.cache.delete(token)).toBe(true)
    expect(auth.cache.size).toBe(0)
  })
})
