/**
 * DPoP (RFC 9449) over real HTTP, for every adapter: the proof travels in a real `DPoP`
 * header, errors are rendered by the framework's default handler, and `DPoP-Nonce` and the
 * challenges are read back from the wire. Each test name starts with the RFC section it proves.
 */
import type http from 'node:http'
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import request from 'supertest'
import type { Response } from 'supertest'
import type { RequireTokenOptions } from '@portcullis/core'
import { createDpopProof, createIssuer, generateSigningKey, jwkThumbprint } from '@portcullis/testing'
import type { DpopProofOptions, IssuerKey, LocalIssuer } from '@portcullis/testing'
import { closeServer, listen, NOW, NOW_S, rawGet } from './helpers.js'
import type { AdapterUnderTest } from './suite.js'

const ORIGIN = 'https://api.example.com'
const ALGS = 'RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA'
const PROOF_ERROR = new RegExp(`^DPoP realm="api", error="invalid_dpop_proof", error_description="[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]+", algs="${ALGS}"$`)
const TOKEN_ERROR = new RegExp(`^DPoP realm="api", error="invalid_token", error_description="[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]+", algs="${ALGS}"$`)

interface Recorded {
  code?: unknown
  reason?: unknown
}

interface DpopHarness {
  server: http.Server
  errors: Recorded[]
  /** GET (or `method`) `path` with `Authorization: DPoP <token>` and the given proof. */
  call(token: string, proof: string | undefined, path?: string, method?: 'get' | 'post', headers?: Record<string, string>): Promise<Response>
  bearer(token: string, headers?: Record<string, string>): Promise<Response>
  code(): unknown
}

/** Registers the DPoP scenarios for `adapter`. */
export function runDpopScenarios(adapter: AdapterUnderTest): void {
  describe('DPoP (RFC 9449) over HTTP', () => {
    let issuer: LocalIssuer
    let clientKey: IssuerKey
    let jkt: string
    const servers: http.Server[] = []

    beforeAll(async () => {
      issuer = await createIssuer({ clock: () => NOW })
      clientKey = await generateSigningKey('ES256')
      jkt = await jwkThumbprint(clientKey)
    })
    afterAll(() => issuer.close())
    afterEach(async () => {
      await Promise.all(servers.splice(0).map(closeServer))
    })

    async function start(overrides: Partial<RequireTokenOptions> = {}, clock: () => number = () => NOW): Promise<DpopHarness> {
      const options: RequireTokenOptions = {
        issuer: issuer.issuer,
        audience: issuer.audience,
        jwksUri: issuer.jwksUri,
        clock,
        dpop: { origin: ORIGIN },
        ...overrides,
      }
      const errors: Recorded[] = []
      const server = await listen(adapter.createApp(options, { onError: (err) => errors.push(err as Recorded) }))
      servers.push(server)
      const agent = request(server)
      return {
        server,
        errors,
        async call(token, proof, path = '/me', method = 'get', headers = {}) {
          errors.length = 0
          let test = agent[method](path).set('Authorization', `DPoP ${token}`)
          if (proof !== undefined) test = test.set('DPoP', proof)
          for (const [name, value] of Object.entries(headers)) test = test.set(name, value)
          return await test
        },
        async bearer(token, headers = {}) {
          errors.length = 0
          let test = agent.get('/me').set('Authorization', `Bearer ${token}`)
          for (const [name, value] of Object.entries(headers)) test = test.set(name, value)
          return await test
        },
        code: () => errors.at(-1)?.code,
      }
    }

    const bound = (): Promise<string> => issuer.mint({ sub: 'user-123', cnf: { jkt } })
    const proof = (token: string, overrides: Partial<DpopProofOptions> = {}): string =>
      createDpopProof({ key: clientKey, htm: 'GET', htu: `${ORIGIN}/me`, accessToken: token, clock: () => NOW, ...overrides })

    function expectProofError(res: Response, h: DpopHarness): void {
      expect({ status: res.status, code: h.code() }).toEqual({ status: 401, code: 'invalid_dpop_proof' })
      expect(res.headers['www-authenticate']).toMatch(PROOF_ERROR)
    }

    it('RFC 9449 §7.1: a DPoP-bound token with a valid proof -> 200', async () => {
      const h = await start()
      const token = await bound()
      const res = await h.call(token, proof(token))
      expect({ status: res.status, errors: h.errors.length }).toEqual({ status: 200, errors: 0 })
      expect(res.body).toMatchObject({ hasAuth: true, subject: 'user-123' })
    })

    it('RFC 9449 §7.1, §7.2; RFC 9110 §15.5.2: no credentials -> 401 offering Bearer and DPoP with algs, no error', async () => {
      const h = await start()
      const res = await request(h.server).get('/me')
      expect(res.status).toBe(401)
      expect(res.headers['www-authenticate']).toBe(`Bearer realm="api", DPoP realm="api", algs="${ALGS}"`)
    })

    it('RFC 9449 §11.1: a replayed proof -> 401 invalid_token', async () => {
      const h = await start()
      const token = await bound()
      const once = proof(token)
      expect((await h.call(token, once)).status).toBe(200)
      const res = await h.call(token, once)
      expect({ status: res.status, code: h.code() }).toEqual({ status: 401, code: 'invalid_token' })
      expect(res.headers['www-authenticate']).toMatch(TOKEN_ERROR)
    })

    it('RFC 9449 §7.1: a bound token with the DPoP scheme but no proof -> 401 invalid_dpop_proof', async () => {
      const h = await start()
      expectProofError(await h.call(await bound(), undefined), h)
    })

    it('RFC 9449 §7.2: a bound token presented as Bearer (even with a proof) -> 401 invalid_token', async () => {
      const h = await start()
      const token = await bound()
      const res = await h.bearer(token, { DPoP: proof(token) })
      expect({ status: res.status, code: h.code() }).toEqual({ status: 401, code: 'invalid_token' })
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="invalid_token", error_description="[^"]+", DPoP realm="api", algs="/)
    })

    it('RFC 9449 §4.3, §7.2: two DPoP headers -> 400 invalid_request', async () => {
      const h = await start()
      const token = await bound()
      const p = proof(token)
      h.errors.length = 0
      const res = await rawGet(h.server, '/me', { Authorization: `DPoP ${token}`, DPoP: [p, p] })
      expect({ status: res.status, code: h.code() }).toEqual({ status: 400, code: 'invalid_request' })
      expect(res.headers['www-authenticate']).toMatch(/^DPoP realm="api", error="invalid_request", error_description="[^"]+", algs="/)
    })

    it.each([
      ['RFC 9449 §4.3: wrong htm', { htm: 'POST' }],
      ['RFC 9449 §4.3: wrong htu (another path)', { htu: `${ORIGIN}/orders` }],
      ['RFC 9449 §4.3: wrong htu (another host)', { htu: 'https://evil.example.com/me' }],
      ['RFC 9449 §4.3: wrong ath', { ath: 'Qn3jkHtnqdq6vvdHc9Z0d4kYGv5pTbD3Qo8uF2e6h7k' }],
      ['RFC 9449 §4.3, §11.1: iat too old', { iat: NOW_S - 300 }],
      ['RFC 9449 §4.3: iat in the future', { iat: NOW_S + 300 }],
      ['RFC 9449 §4.3: typ JWT', { typ: 'JWT' }],
      ['RFC 9449 §4.3: alg none', { alg: 'none' }],
      ['RFC 9449 §4.3: alg HS256', { alg: 'HS256' }],
      ['RFC 9449 §4.2, §4.3: a private key in jwk', { leakPrivateKey: true }],
    ])('%s -> 401 invalid_dpop_proof', async (_name, overrides: Partial<DpopProofOptions>) => {
      const h = await start()
      const token = await bound()
      expectProofError(await h.call(token, proof(token, overrides)), h)
    })

    it('RFC 9449 §4.3, §6.1: a proof key other than cnf.jkt -> 401 invalid_token', async () => {
      const h = await start()
      const token = await bound()
      const res = await h.call(token, proof(token, { key: await generateSigningKey('ES256') }))
      expect({ status: res.status, code: h.code() }).toEqual({ status: 401, code: 'invalid_token' })
      expect(res.headers['www-authenticate']).toMatch(TOKEN_ERROR)
    })

    it('RFC 9449 §7.2; RFC 6750 §3.1: a DPoP request lacking a scope -> 403 insufficient_scope in the DPoP scheme', async () => {
      const h = await start()
      const token = await bound()
      const res = await h.call(token, proof(token, { htu: `${ORIGIN}/orders` }), '/orders')
      expect({ status: res.status, code: h.code() }).toEqual({ status: 403, code: 'insufficient_scope' })
      expect(res.headers['www-authenticate']).toBe(
        `DPoP realm="api", error="insufficient_scope", error_description="The access token does not have the required scope", scope="orders:read", algs="${ALGS}"`,
      )
      // A Bearer request to the same app is still answered in the Bearer scheme.
      const plain = await request(h.server).get('/orders').set('Authorization', `Bearer ${await issuer.mint()}`)
      expect(plain.headers['www-authenticate']).toMatch(/^Bearer realm="api", error="insufficient_scope"/)
    })

    it('RFC 9449 §4.3: POST with a matching proof -> 200', async () => {
      const h = await start()
      const token = await bound()
      const res = await h.call(token, proof(token, { htm: 'POST', htu: `${ORIGIN}/form` }), '/form', 'post')
      expect(res.status).toBe(200)
    })

    it('RFC 9449 §9, §11.3: nonce flow: use_dpop_nonce with DPoP-Nonce, then success with the nonce', async () => {
      const h = await start({ dpop: { origin: ORIGIN, nonce: true } })
      const token = await bound()
      const first = await h.call(token, proof(token))
      expect({ status: first.status, code: h.code() }).toEqual({ status: 401, code: 'use_dpop_nonce' })
      expect(first.headers['www-authenticate']).toMatch(new RegExp(`^DPoP realm="api", error="use_dpop_nonce", error_description="[^"]+", algs="${ALGS}"$`))
      const nonce = first.headers['dpop-nonce'] as string
      expect(nonce).toMatch(/^[A-Za-z0-9_-]+$/)
      expect(first.headers['cache-control']).toBe('no-store')
      const second = await h.call(token, proof(token, { nonce }))
      expect(second.status).toBe(200)
    })

    it('nonce rotation: a nonce of the previous period still works and the 200 carries a fresh DPoP-Nonce', async () => {
      let now = NOW
      const h = await start({ dpop: { origin: ORIGIN, nonce: { lifetime: 30 } } }, () => now)
      const token = await bound()
      const nonce = (await h.call(token, proof(token))).headers['dpop-nonce'] as string
      now += 30_000
      const res = await h.call(token, proof(token, { nonce, clock: () => now }))
      expect(res.status).toBe(200)
      expect(res.headers['dpop-nonce']).toMatch(/^[A-Za-z0-9_-]+$/)
      expect(res.headers['dpop-nonce']).not.toBe(nonce)
    })

    it('RFC 9449 §7: dpop.required refuses Bearer tokens with a DPoP-only challenge, accepts DPoP', async () => {
      const h = await start({ dpop: { origin: ORIGIN, required: true } })
      const plain = await h.bearer(await issuer.mint())
      expect({ status: plain.status, code: h.code() }).toEqual({ status: 401, code: 'invalid_token' })
      expect(plain.headers['www-authenticate']).toMatch(TOKEN_ERROR)
      const token = await bound()
      expect((await h.call(token, proof(token))).status).toBe(200)
    })

    it('plain Bearer tokens keep working next to DPoP', async () => {
      const h = await start()
      expect((await h.bearer(await issuer.mint())).status).toBe(200)
    })

    it('RFC 9449 §4.3; RFC 9700 §4.13: X-Forwarded-Host/Proto count only from a trusted proxy', async () => {
      const token = await bound()
      const forwarded = { 'X-Forwarded-Host': 'public.example.com', 'X-Forwarded-Proto': 'https' }
      const trusted = await start({ dpop: {}, trustedProxies: ['127.0.0.1', '::1'] })
      const ok = await trusted.call(token, proof(token, { htu: 'https://public.example.com/me' }), '/me', 'get', forwarded)
      expect(ok.status).toBe(200)
      const untrusted = await start({ dpop: { origin: ORIGIN }, trustedProxies: ['10.9.9.9'] })
      expectProofError(await untrusted.call(token, proof(token, { htu: 'https://public.example.com/me' }), '/me', 'get', forwarded), untrusted)
    })
  })
}
