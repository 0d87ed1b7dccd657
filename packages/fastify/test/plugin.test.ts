// The Fastify-only surface over real HTTP: the `portcullis` plugin (what it installs and what it
// leaves alone), requireToken as an onRequest hook, and decorated handlers that answer the
// Fastify ways (a returned value, a later reply.send). The shared behaviour of every adapter is
// proven by the conformance suite (test/conformance).
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import Fastify5, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import Fastify4 from 'fastify4'
import request from 'supertest'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { portcullis, RequireScope, requireScope, requireToken } from '@portcullis/fastify'

const METADATA_PATH = '/.well-known/oauth-protected-resource'

// fastify4 is the npm alias of fastify@4 installed at the root (typed in test/conformance/aliases.d.ts).
describe.each([
  ['Fastify 5', Fastify5],
  ['Fastify 4', Fastify4],
])('@portcullis/fastify on %s', (_major, Fastify) => {
  let issuer: LocalIssuer
  const apps: FastifyInstance[] = []
  beforeAll(async () => {
    issuer = await createIssuer()
  })
  afterAll(() => issuer.close())
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()))
  })

  async function serve(setup: (app: FastifyInstance) => void | Promise<void>): Promise<ReturnType<typeof request>> {
    const app = Fastify()
    apps.push(app)
    await setup(app)
    await app.ready()
    return request(app.server)
  }

  const tokenOptions = () => ({ issuer: issuer.issuer, audience: issuer.audience })

  describe('the portcullis plugin', () => {
    it('authenticates every route, declares request.auth and renders refusals as JSON with their challenge', async () => {
      let decorated = false
      const agent = await serve(async (app) => {
        await app.register(portcullis, { token: tokenOptions() })
        decorated = app.hasRequestDecorator('auth')
        app.get('/orders', { preHandler: requireScope('orders:read') }, (req) => ({ subject: req.auth?.subject ?? null }))
      })
      expect(decorated).toBe(true)

      const ok = await agent.get('/orders').set('Authorization', `Bearer ${await issuer.token('orders:read')}`)
      expect({ status: ok.status, body: ok.body as unknown }).toEqual({ status: 200, body: { subject: 'user-123' } })

      const missing = await agent.get('/orders')
      expect(missing.status).toBe(401)
      expect(missing.headers['www-authenticate']).toBe('Bearer realm="api"')
      expect(missing.body).toEqual({ error: 'credentials_required', error_description: 'No access token was provided' })

      const denied = await agent.get('/orders').set('Authorization', `Bearer ${await issuer.token('profile')}`)
      expect(denied.status).toBe(403)
      expect(denied.headers['www-authenticate']).toContain('error="insufficient_scope"')
      expect(denied.body).toMatchObject({ error: 'insufficient_scope' })
    })

    it('serves the metadata document publicly, before requireToken, and answers 405 to other methods', async () => {
      const agent = await serve(async (app) => {
        await app.register(portcullis, {
          token: tokenOptions(),
          metadata: { resource: 'https://api.example.test', tokenOptions: tokenOptions(), scopesSupported: ['orders:read'] },
        })
        app.get('/me', (req) => ({ subject: req.auth?.subject ?? null }))
      })
      const doc = await agent.get(METADATA_PATH)
      expect(doc.status).toBe(200)
      expect(doc.headers['content-type']).toMatch(/^application\/json/)
      expect(doc.headers['access-control-allow-origin']).toBe('*')
      expect(doc.body).toMatchObject({ resource: 'https://api.example.test', authorization_servers: [issuer.issuer], scopes_supported: ['orders:read'] })
      const post = await agent.post(METADATA_PATH)
      expect([post.status, post.headers['allow']]).toEqual([405, 'GET, HEAD'])
      expect((await agent.get('/me')).status).toBe(401)
    })

    it('with errorHandler: false, the app keeps its own error handler', async () => {
      const agent = await serve(async (app) => {
        app.setErrorHandler((error: { statusCode?: number }, _req, reply) => {
          void reply.code(error.statusCode ?? 500).send({ mine: true })
        })
        await app.register(portcullis, { token: tokenOptions(), errorHandler: false })
        app.get('/me', () => ({}))
      })
      const res = await agent.get('/me')
      // The app's handler renders (and, as written, drops the challenge): the plugin did not replace it.
      expect([res.status, res.body]).toEqual([401, { mine: true }])
    })

    it('exposes its requireToken hook as app.portcullis: ready() fetches the keys, health() reports them', async () => {
      const app = Fastify()
      apps.push(app)
      await app.register(portcullis, { token: tokenOptions() })
      await app.ready()
      const auth = app.portcullis
      expect(auth?.health()).toEqual({ status: 'down', issuers: [{ issuer: issuer.issuer, keys: 0, stale: false }] })
      await expect(auth?.ready()).resolves.toEqual({ issuers: [{ issuer: issuer.issuer, keys: 1 }] })
      expect(auth?.health().status).toBe('ok')
      const token = await issuer.mint()
      const res = await request(app.server).get('/me').set('Authorization', `Bearer ${token}`)
      expect(res.status).toBe(404)
      // The verified-token cache admits a token at its second use.
      expect(auth?.cache.size).toBe(0)
      expect((await request(app.server).get('/me').set('Authorization', `Bearer ${token}`)).status).toBe(404)
      expect(auth?.cache.size).toBe(1)
    })

    it('registered again with token in a child instance: both hooks run, app.portcullis stays the outer one', async () => {
      let inner: unknown
      const app = Fastify()
      apps.push(app)
      await app.register(portcullis, { token: tokenOptions() })
      await app.register(async (child) => {
        await child.register(portcullis, { token: { ...tokenOptions(), requiredClaims: ['tenant'] } })
        inner = child.portcullis
        child.get('/admin', (req) => ({ subject: req.auth?.subject ?? null }))
      })
      await app.ready()
      expect(inner).toBe(app.portcullis)
      const denied = await request(app.server).get('/admin').set('Authorization', `Bearer ${await issuer.mint()}`)
      expect(denied.status).toBe(401)
      const ok = await request(app.server).get('/admin').set('Authorization', `Bearer ${await issuer.mint({ tenant: 'acme' })}`)
      expect([ok.status, ok.body]).toEqual([200, { subject: 'user-123' }])
    })

    it('rejects app.ready() when the token options are invalid', async () => {
      const app = Fastify()
      apps.push(app)
      await expect(app.register(portcullis, { token: { issuer: issuer.issuer, audience: issuer.audience, algorithms: ['none'] as never } }).ready()).rejects.toMatchObject({
        code: 'invalid_configuration',
      })
    })

    it('without options it only declares request.auth and installs the error handler', async () => {
      const agent = await serve(async (app) => {
        await app.register(portcullis, {})
        app.get('/open', (req) => ({ hasAuth: req.auth !== undefined }))
        app.get('/orders', { preHandler: requireScope('orders:read') }, () => ({}))
      })
      expect((await agent.get('/open')).body).toEqual({ hasAuth: false })
      const res = await agent.get('/orders')
      expect([res.status, res.body]).toEqual([401, { error: 'credentials_required', error_description: 'No access token was provided' }])
    })
  })

  it('requireToken also works as an onRequest hook (header tokens)', async () => {
    const agent = await serve((app) => {
      app.addHook('onRequest', requireToken(tokenOptions()))
      app.get('/me', (req) => ({ subject: req.auth?.subject ?? null }))
    })
    const res = await agent.get('/me').set('Authorization', `Bearer ${await issuer.mint()}`)
    expect([res.status, res.body]).toEqual([200, { subject: 'user-123' }])
    expect((await agent.get('/me')).status).toBe(401)
  })

  describe('decorated handlers answer the Fastify ways', () => {
    class Controller {
      readonly label = 'controller'

      // A synchronous handler returning the payload: the wrapper stays synchronous, Fastify sends it.
      @RequireScope('orders:read')
      returns(req: FastifyRequest): unknown {
        return { by: this.label, subject: req.auth?.subject }
      }

      // A synchronous handler that answers later: not mistaken for an async one that resolved empty.
      @RequireScope('orders:read')
      later(_req: FastifyRequest, reply: FastifyReply): void {
        setTimeout(() => void reply.send({ by: this.label, later: true }), 20)
      }

      // Throws synchronously: the error path, not a crash.
      @RequireScope('orders:read')
      throws(): never {
        throw new Error('handler failed')
      }
    }

    async function controllerApp() {
      const controller = new Controller()
      return serve((app) => {
        app.addHook('preHandler', requireToken(tokenOptions()))
        app.get('/returns', controller.returns)
        app.get('/later', controller.later)
        app.get('/throws', controller.throws)
      })
    }

    it('a returned value is sent, with `this` kept', async () => {
      const agent = await controllerApp()
      const res = await agent.get('/returns').set('Authorization', `Bearer ${await issuer.token('orders:read')}`)
      expect([res.status, res.body]).toEqual([200, { by: 'controller', subject: 'user-123' }])
    })

    it('a reply sent later by a synchronous handler is the answer', async () => {
      const agent = await controllerApp()
      const res = await agent.get('/later').set('Authorization', `Bearer ${await issuer.token('orders:read')}`)
      expect([res.status, res.body]).toEqual([200, { by: 'controller', later: true }])
    })

    it('a refusal is 403 and the method does not run; a throwing method is a 500', async () => {
      const agent = await controllerApp()
      const denied = await agent.get('/returns').set('Authorization', `Bearer ${await issuer.token('profile')}`)
      expect(denied.status).toBe(403)
      expect(denied.body).toMatchObject({ code: 'insufficient_scope' })
      const thrown = await agent.get('/throws').set('Authorization', `Bearer ${await issuer.token('orders:read')}`)
      expect([thrown.status, thrown.body]).toEqual([500, { statusCode: 500, error: 'Internal Server Error', message: 'handler failed' }])
    })
  })
})
