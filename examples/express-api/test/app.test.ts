import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import request from 'supertest'
import client from 'prom-client'
import { createMetrics } from '@portcullis/core'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { createApp } from '../src/app.js'

describe('example: Express orders API', () => {
  let issuer: LocalIssuer
  let app: ReturnType<typeof createApp>
  beforeAll(async () => {
    issuer = await createIssuer({ audience: 'https://orders.example.test' })
    app = createApp({ issuer: issuer.issuer, audience: issuer.audience })
  })
  afterAll(() => issuer.close())

  it('serves Prometheus metrics at /metrics when the options carry them, and not otherwise', async () => {
    const registry = new client.Registry()
    const observed = createApp({ issuer: issuer.issuer, audience: issuer.audience, metrics: createMetrics({ client, registry }) })
    await request(observed).get('/orders').set('Authorization', `Bearer ${await issuer.token('orders:read')}`).expect(200)
    await request(observed).get('/orders').expect(401)
    const res = await request(observed).get('/metrics').expect(200)
    expect(res.headers['content-type']).toContain('text/plain')
    expect(res.text).toContain('portcullis_token_verifications_total{outcome="accepted",reason="none"} 1')
    expect(res.text).toContain('portcullis_token_verifications_total{outcome="rejected",reason="missing"} 1')
    expect(res.text).toContain('portcullis_authz_decisions_total{requirement="scope",decision="permit"} 1')
    expect((await request(app).get('/metrics')).status).toBe(401)
  })

  it('serves /health without a token', async () => {
    await request(app).get('/health').expect(200, { status: 'ok' })
  })

  it('lists orders with orders:read and refuses to create one without orders:write', async () => {
    const reader = await issuer.token('orders:read')
    const list = await request(app).get('/orders').set('Authorization', `Bearer ${reader}`).expect(200)
    expect(list.body).toEqual([{ id: '1', item: 'widget', quantity: 2, owner: 'user-123' }])
    const denied = await request(app).post('/orders').set('Authorization', `Bearer ${reader}`).send({ item: 'gear', quantity: 1 })
    expect(denied.status).toBe(403)
    expect(denied.headers['www-authenticate']).toContain('scope="orders:write"')
  })

  it('creates an order owned by the caller with orders:write', async () => {
    const writer = await issuer.token(['orders:write'], { sub: 'bob' })
    const created = await request(app).post('/orders').set('Authorization', `Bearer ${writer}`).send({ item: 'gear', quantity: 1 }).expect(201)
    expect(created.body).toMatchObject({ item: 'gear', quantity: 1, owner: 'bob' })
  })

  it('deletes with either orders:admin or admin, and refuses expired tokens', async () => {
    await request(app).delete('/orders/1').set('Authorization', `Bearer ${await issuer.token('admin')}`).expect(204)
    const expired = await issuer.token('admin', {}, { expiresIn: -60 })
    const res = await request(app).delete('/orders/1').set('Authorization', `Bearer ${expired}`)
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="The access token expired"')
    expect(res.body).toEqual({ error: 'invalid_token', error_description: 'The access token expired' })
  })
})
