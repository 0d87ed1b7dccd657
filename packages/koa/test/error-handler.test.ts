import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import Koa from 'koa'
import request from 'supertest'
import { errorHandler, requireScope, requireToken } from '@portcullis/koa'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'

describe('errorHandler (Koa)', () => {
  let issuer: LocalIssuer
  let server: ReturnType<Koa['callback']>
  const serverErrors: Error[] = []

  beforeAll(async () => {
    issuer = await createIssuer()
    const app = new Koa()
    app.silent = true
    app.use(errorHandler({ onServerError: (error) => void serverErrors.push(error) }))
    app.use(async (ctx, next) => {
      if (ctx.path === '/boom') throw new Error('not ours')
      await next()
    })
    app.use(requireToken({ issuer: issuer.issuer, audience: issuer.audience }))
    app.use(requireScope('orders:read'))
    app.use((ctx) => {
      ctx.body = { ok: true }
    })
    server = app.callback()
  })
  afterAll(() => issuer.close())

  it('renders a 401 as JSON with the challenge', async () => {
    const res = await request(server).get('/orders').set('Authorization', `Bearer ${await issuer.mint({}, { expiresIn: -60 })}`)
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="The access token expired"')
    expect(res.body).toEqual({ error: 'invalid_token', error_description: 'The access token expired' })
  })

  it('renders a 403 with the required scope', async () => {
    const res = await request(server).get('/orders').set('Authorization', `Bearer ${await issuer.token('other')}`)
    expect(res.status).toBe(403)
    expect(res.headers['www-authenticate']).toContain('scope="orders:read"')
    expect(res.body.error).toBe('insufficient_scope')
  })

  it('renders a 503 without its cause and reports it', async () => {
    const down = await createIssuer()
    const token = await down.mint()
    down.setJwksBehaviour('error')
    const outage = new Koa()
    outage.use(errorHandler({ onServerError: (error) => void serverErrors.push(error) }))
    outage.use(requireToken({ issuer: down.issuer, audience: down.audience }))
    try {
      const res = await request(outage.callback()).get('/').set('Authorization', `Bearer ${token}`)
      expect(res.status).toBe(503)
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1)
      expect(res.body).toEqual({ error: 'temporarily_unavailable' })
      expect(serverErrors.map((e) => (e as { code?: string }).code)).toContain('temporarily_unavailable')
    } finally {
      await down.close()
    }
  })

  it('rethrows other errors to Koa', async () => {
    const res = await request(server).get('/boom')
    expect(res.status).toBe(500)
    expect(res.text).toBe('Internal Server Error')
  })
})
