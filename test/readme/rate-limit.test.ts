// The root README's "Rate limits" example, run as written (with the local issuer standing in
// for https://id.example.com/, and a frozen clock so the window is exact).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import express, { type RequestHandler } from 'express'
import request from 'supertest'
import { errorHandler, rateLimit, requireToken } from '@portcullis/express'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'

const NOW = Date.UTC(2030, 0, 15, 12, 0, 0)

describe('README: Rate limits', () => {
  let issuer: LocalIssuer
  let app: express.Express
  beforeAll(async () => {
    issuer = await createIssuer({ clock: () => NOW })
    const search: RequestHandler = (req, res) => {
      res.json({ subject: req.auth?.subject ?? null })
    }
    app = express()
    app.use(requireToken({ issuer: issuer.issuer, audience: issuer.audience, optional: true, clock: () => NOW }))
    app.get('/search', rateLimit({
      key: 'subject',
      tiers: [
        { when: { scope: 'tier:pro' }, points: 1000, duration: 60, name: 'pro' },
        { points: 100, duration: 60 },
      ],
      trustedProxies: ['10.0.0.0/8'],
      clock: () => NOW,
    }), search)
    app.use(errorHandler())
  })
  afterAll(() => issuer.close())

  it('the 101st request of a default-tier user is the documented 429; a pro user and anonymous callers count apart', async () => {
    const basic = await issuer.token('search', { sub: 'alice' })
    for (let i = 0; i < 100; i++) expect((await request(app).get('/search').set('Authorization', `Bearer ${basic}`)).status).toBe(200)
    const res = await request(app).get('/search').set('Authorization', `Bearer ${basic}`)
    expect({ status: res.status, policy: res.headers['ratelimit-policy'], state: res.headers['ratelimit'], retryAfter: res.headers['retry-after'], body: res.body as unknown }).toEqual({
      status: 429,
      policy: '"default";q=100;w=60',
      state: '"default";r=0;t=60',
      retryAfter: '60',
      body: { error: 'rate_limited', error_description: 'Too many requests; retry after the time given in Retry-After' },
    })
    const pro = await issuer.token('search tier:pro', { sub: 'bob' })
    const allowed = await request(app).get('/search').set('Authorization', `Bearer ${pro}`)
    expect([allowed.status, allowed.headers['ratelimit-policy'], allowed.headers['ratelimit']]).toEqual([200, '"pro";q=1000;w=60', '"pro";r=999;t=60'])
    expect((await request(app).get('/search')).headers['ratelimit']).toBe('"default";r=99;t=60')
  })
})
