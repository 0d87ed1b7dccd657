/**
 * DPoP (RFC 9449) through the gateway: the proof's htm/htu are checked against the ORIGINAL
 * request the proxy describes (method, scheme, host, path), not the auth request itself.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { randomUUID } from 'node:crypto'
import { createDpopProof, generateSigningKey, jwkThumbprint, type IssuerKey } from '@portcullis/testing'
import { envoyAsk, forwardAsk, nginxAsk, NOW, NOW_S, rulesYaml, startFixture, type Fixture, type RawResponse } from './fixture.js'

type Ask = (port: number, method: string, uri: string, headers?: Record<string, string>, host?: string) => Promise<RawResponse>

let f: Fixture
let key: IssuerKey
let jkt: string
beforeAll(async () => {
  f = await startFixture(rulesYaml(), '  dpop:\n    origin: https://api.example.com\n')
  key = await generateSigningKey('ES256')
  jkt = await jwkThumbprint(key)
})
afterAll(() => f.close())

// Envoy's check request carries no scheme: the proxy adds X-Forwarded-Proto (allowed_headers).
const https = { 'x-forwarded-proto': 'https' }

describe.each([['nginx', nginxAsk, {}], ['forward', forwardAsk, {}], ['envoy', envoyAsk, https]] as [string, Ask, Record<string, string>][])('%s', (_name, ask, extra) => {
  const bound = (): Promise<string> =>
    f.issuer.mint({ sub: 'user-123', scope: 'docs:read', cnf: { jkt }, iat: NOW_S, exp: NOW_S + 300, jti: randomUUID() })

  it('a DPoP-bound token with a proof for the original request is allowed', async () => {
    const token = await bound()
    const proof = createDpopProof({ key, htm: 'GET', htu: 'https://api.example.com/docs/eng-1', accessToken: token, clock: () => NOW })
    const res = await ask(f.port, 'GET', '/docs/eng-1', { authorization: `DPoP ${token}`, dpop: proof, ...extra })
    expect(res.status).toBe(200)
    expect(res.headers['x-portcullis-subject']).toBe('user-123')
  })

  it('a proof made for another path or method is refused (invalid_dpop_proof)', async () => {
    const token = await bound()
    for (const [htm, htu] of [['GET', 'https://api.example.com/docs/eng-2'], ['POST', 'https://api.example.com/docs/eng-1'], ['GET', 'https://evil.example.com/docs/eng-1']]) {
      const proof = createDpopProof({ key, htm: htm as string, htu: htu as string, accessToken: token, clock: () => NOW })
      const res = await ask(f.port, 'GET', '/docs/eng-1', { authorization: `DPoP ${token}`, dpop: proof, ...extra })
      expect([htm, htu, res.status]).toEqual([htm, htu, 401])
      expect(res.headers['www-authenticate']).toContain('error="invalid_dpop_proof"')
    }
  })

  it('the bound token without its proof (as Bearer) is refused', async () => {
    const token = await bound()
    const res = await ask(f.port, 'GET', '/docs/eng-1', { authorization: `Bearer ${token}`, ...extra })
    expect(res.status).toBe(401)
  })
})
