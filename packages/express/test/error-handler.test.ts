import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import express, { type Express } from 'express'
import request from 'supertest'
import { errorHandler, requireScope, requireToken } from '@portcullis/express'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'

describe('errorHandler (Express)', () => {
  let issuer: LocalIssuer
  let app: Express
  const serverErrors: Error[] = []

  beforeAll(async () => {
    issuer = await createIssuer()
    app = express()
    app.get('/boom', () => {
      throw new Error('not ours')
    })
    app.use(requireToken({ issuer: issuer.issuer, audience: issuer.audience }))
    app.get('/orders', requireScope('orders:read'), (_req, res) => {
      res.json({ ok: true })
    })
    app.use(errorHandler({ onServerError: (error) => void serverErrors.push(error) }))
  })
  afterAll(() => issuer.close())

  it('renders a 401 as JSON with the challenge', async () => {
    const res = await request(app).get('/orders').set('Authorization', `Bearer ${await issuer.mint({}, { expiresIn: -60 })}`)
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="The access token expired"')
    expect(res.body).toEqual({ error: 'invalid_token', error_description: 'The access token expired' })
  })

  it('renders a 403 with the required scope', async () => {
    const res = await request(app).get('/orders').set('Authorization', `Bearer ${await issuer.token('other')}`)
    expect(res.status).toBe(403)
    expect(res.headers['www-authenticate']).toContain('scope="orders:read"')
    expect(res.body.error).toBe('insufficient_scope')
  })

  it('renders a 503 without its cause and reports it', async () => {
    const down = await createIssuer()
    const token = await down.mint()
    down.setJwksBehaviour('error')
    const outage = express()
    outage.use(requireToken({ issuer: down.issuer, audience: down.audience }))
    outage.use(errorHandler({ onServerError: (error) => void serverErrors.push(error) }))
    try {
      const res = await request(outage).get('/').set('Authorization', `Bearer ${token}`)
      expect(res.status).toBe(503)
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1)
      expect(res.body).toEqual({ error: 'temporarily_unavailable' })
      expect(serverErrors.map((e) => (e as { code?: string }).code)).toContain('temporarily_unavailable')
    } finally {
      await down.close()
    }
  })

  it('leaves other errors to the next handler', async () => {
    const res = await request(app).get('/boom')
    expect(res.status).toBe(500)
    expect(res.text).not.toContain('"error"')
  })
})
