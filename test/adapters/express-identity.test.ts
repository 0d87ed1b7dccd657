// `req.auth` on Express is an accessor on Express's request prototype (no property is added to
// the request itself): it must behave like a plain property in every arrangement of apps.
import { afterAll, beforeAll, describe, it } from '@jest/globals'
import request from 'supertest'
import express5 from 'express'
import express4 from 'express4'
import { requireScope, requireToken } from '@portcullis/express'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'

let issuer: LocalIssuer
beforeAll(async () => {
  issuer = await createIssuer()
})
afterAll(() => issuer.close())

describe.each([
  ['Express 5', express5 as unknown as typeof express5],
  ['Express 4', express4 as unknown as typeof express5],
])('req.auth on %s', (_name, express) => {
  const options = () => ({ issuer: issuer.issuer, audience: issuer.audience })

  it('is the identity in the app, in a mounted sub-app, and back in the parent after it', async () => {
    const app = express()
    const sub = express()
    app.use(requireToken(options()))
    sub.get('/me', (req, res, next) => {
      if (req.query['pass'] === '1') return next()
      res.json({ where: 'sub', sub: req.auth?.subject })
    })
    app.use('/api', sub)
    app.get('/api/me', (req, res) => res.json({ where: 'parent', sub: req.auth?.subject, scopes: req.auth?.scopes }))
    const token = await issuer.mint({ sub: 'alice', scope: 'orders:read' })
    await request(app).get('/api/me').set('Authorization', `Bearer ${token}`).expect(200, { where: 'sub', sub: 'alice' })
    await request(app).get('/api/me?pass=1').set('Authorization', `Bearer ${token}`).expect(200, { where: 'parent', sub: 'alice', scopes: ['orders:read'] })
  })

  it('is set by requireToken inside a sub-app and read by the parent after it', async () => {
    const app = express()
    const sub = express()
    sub.use(requireToken(options()))
    app.use('/api', sub)
    app.get('/api/orders', requireScope('orders:read'), (req, res) => res.json({ sub: req.auth?.subject }))
    const token = await issuer.mint({ sub: 'bob', scope: 'orders:read' })
    await request(app).get('/api/orders').set('Authorization', `Bearer ${token}`).expect(200, { sub: 'bob' })
  })

  it('is undefined without a token, belongs to its own request only, and can be overwritten by a handler', async () => {
    const app = express()
    app.use(requireToken({ ...options(), optional: true }))
    app.get('/me', (req, res) => {
      const before = req.auth?.subject ?? null
      if (req.query['rewrite'] === '1') req.auth = undefined
      res.json({ before, after: req.auth?.subject ?? null, has: 'auth' in req })
    })
    const alice = await issuer.mint({ sub: 'alice' })
    await request(app).get('/me').expect(200, { before: null, after: null, has: true })
    await request(app).get('/me?rewrite=1').set('Authorization', `Bearer ${alice}`).expect(200, { before: 'alice', after: null, has: true })
    await request(app).get('/me').set('Authorization', `Bearer ${alice}`).expect(200, { before: 'alice', after: 'alice', has: true })
    await request(app).get('/me').expect(200, { before: null, after: null, has: true })
  })

  it('a value another middleware set on the request itself is replaced by requireToken, as before', async () => {
    const app = express()
    app.use((req, _res, next) => {
      Object.defineProperty(req, 'auth', { value: { subject: 'forged' }, writable: true, configurable: true, enumerable: true })
      next()
    })
    app.use(requireToken(options()))
    app.get('/me', (req, res) => res.json({ sub: req.auth?.subject }))
    const token = await issuer.mint({ sub: 'carol' })
    await request(app).get('/me').set('Authorization', `Bearer ${token}`).expect(200, { sub: 'carol' })
  })
})
