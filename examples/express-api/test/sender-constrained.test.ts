/**
 * The orders API of the example with sender-constrained tokens, as the root README shows them:
 * DPoP with server nonces over HTTP, and mTLS certificate binding over real mutual TLS.
 */
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import request from 'supertest'
import { createCertificateAuthority, createDpopProof, createIssuer, generateSigningKey, jwkThumbprint, type LocalIssuer } from '@portcullis/testing'
import { createApp } from '../src/app.js'

const ORIGIN = 'https://orders.example.test'

describe('example: sender-constrained tokens', () => {
  let issuer: LocalIssuer
  beforeAll(async () => {
    issuer = await createIssuer({ audience: ORIGIN })
  })
  afterAll(() => issuer.close())

  it('DPoP with a server nonce: first 401 use_dpop_nonce, then 200 with the nonce', async () => {
    const app = createApp({ issuer: issuer.issuer, audience: issuer.audience, dpop: { origin: ORIGIN, nonce: true } })
    const clientKey = await generateSigningKey('ES256')
    const token = await issuer.token('orders:read', { cnf: { jkt: await jwkThumbprint(clientKey) } })
    const proof = (nonce?: string): string =>
      createDpopProof({ key: clientKey, htm: 'GET', htu: `${ORIGIN}/orders`, accessToken: token, ...(nonce === undefined ? {} : { nonce }) })
    const first = await request(app).get('/orders').set('Authorization', `DPoP ${token}`).set('DPoP', proof())
    expect(first.status).toBe(401)
    expect(first.body).toMatchObject({ error: 'use_dpop_nonce' })
    const nonce = first.headers['dpop-nonce'] as string
    await request(app).get('/orders').set('Authorization', `DPoP ${token}`).set('DPoP', proof(nonce)).expect(200)
    // The stolen token alone is useless: as Bearer it is refused (RFC 9449 §7.2).
    const stolen = await request(app).get('/orders').set('Authorization', `Bearer ${token}`)
    expect(stolen.status).toBe(401)
  })

  it('mTLS: a certificate-bound token works only with its certificate', async () => {
    const ca = createCertificateAuthority()
    const serverCert = ca.issueServer()
    const client = ca.issueClient('orders-client')
    const app = createApp({ issuer: issuer.issuer, audience: issuer.audience, mtls: {} })
    const server = https.createServer({ key: serverCert.keyPem, cert: serverCert.pem, requestCert: true, rejectUnauthorized: false }, app)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const token = await issuer.token('orders:read', { cnf: { 'x5t#S256': client.thumbprint } })
    const get = (cert?: typeof client): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = https.request(
          { host: '127.0.0.1', port: (server.address() as AddressInfo).port, path: '/orders', ca: ca.pem, agent: false, headers: { authorization: `Bearer ${token}` }, ...(cert === undefined ? {} : { cert: cert.pem, key: cert.keyPem }) },
          (res) => {
            res.resume()
            res.on('end', () => resolve(res.statusCode ?? 0))
          },
        )
        req.on('error', reject)
        req.end()
      })
    try {
      expect(await get(client)).toBe(200)
      expect(await get(ca.issueClient('someone-else'))).toBe(401)
      expect(await get()).toBe(401)
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})
