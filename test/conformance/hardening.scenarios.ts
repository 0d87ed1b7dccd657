/**
 * The token path against the classes an outside check found, over real HTTP for every adapter:
 * strict JOSE parsing, degenerate keys (in a JWK Set and in a DPoP proof), duplicate `key_ops`,
 * out-of-range times, introspection answers (frozen, one issuer per endpoint), discovered
 * endpoints over plain http, repeated proxy headers (client certificate, X-Forwarded-*), dot
 * segments against DPoP `htu`, a full replay store, key rotation and a slow key endpoint.
 */
import { createHash, createPublicKey, generateKeyPairSync, randomUUID, sign, type JsonWebKey } from 'node:crypto'
import type http from 'node:http'
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import request from 'supertest'
import { createMemoryReplayStore, type FetchLike, type RequireTokenOptions } from '@portcullis/core'
import {
  createCertificateAuthority,
  createDpopProof,
  createIssuer,
  forwardedCertificate,
  generateSigningKey,
  jwkThumbprint,
} from '@portcullis/testing'
import type { IssuerKey, LocalIssuer, TestCertificate } from '@portcullis/testing'
import { b64url, closeServer, listen, manualClock, NOW, NOW_S, rawGet } from './helpers.js'
import { expectInvalidToken, lifecycleApps } from './lifecycle-harness.js'
import type { AdapterUnderTest } from './suite.js'

interface Recorded {
  code?: unknown
  reason?: unknown
  status?: unknown
}

interface Outcome {
  status: number
  headers: http.IncomingHttpHeaders
}

const ORIGIN = 'https://api.example.com'
const HOSTED = 'https://id.example.com/'
const AUDIENCE = 'https://api.example.test'
const hex = (text: string): Buffer => Buffer.from(text, 'hex')

/** A fetch answering one JSON document per URL, recording the URLs asked. */
function fakeFetch(documents: Record<string, unknown>): { fetch: FetchLike; calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    fetch: async (url) => {
      calls.push(url)
      return url in documents ? Response.json(documents[url]) : new Response('not found', { status: 404 })
    },
  }
}

/** Registers the hardening scenarios for `adapter`. */
export function runHardeningScenarios(adapter: AdapterUnderTest): void {
  describe('hardening of the token path over HTTP', () => {
    let issuer: LocalIssuer
    let es: IssuerKey
    const servers: http.Server[] = []
    let errors: Recorded[] = []

    beforeAll(async () => {
      issuer = await createIssuer({ clock: () => NOW, algorithms: ['ES256'] })
      es = issuer.keys[0] as IssuerKey
    })
    afterAll(() => issuer.close())
    afterEach(async () => {
      await Promise.all(servers.splice(0).map(closeServer))
    })

    async function start(overrides: Partial<RequireTokenOptions> = {}): Promise<http.Server> {
      errors = []
      const options: RequireTokenOptions = {
        issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri, clock: () => NOW, ...overrides,
      }
      const server = await listen(adapter.createApp(options, { onError: (err) => errors.push(err as Recorded) }))
      servers.push(server)
      return server
    }

    function expect401(res: Outcome, code = 'invalid_token'): void {
      expect({ status: res.status, code: errors.at(-1)?.code }).toEqual({ status: 401, code })
    }

    function expect503(res: Outcome): void {
      expect({ status: res.status, code: errors.at(-1)?.code }).toEqual({ status: 503, code: 'temporarily_unavailable' })
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1)
    }

    const claims = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
      iss: issuer.issuer, aud: issuer.audience, sub: 'alice', iat: NOW_S, exp: NOW_S + 300, jti: randomUUID(), ...extra,
    })

    /** ES256 over exactly these segment strings (the testing helpers would encode canonically). */
    function signSegments(header: string, payload: string): string {
      const signature = sign('sha256', Buffer.from(`${header}.${payload}`), { key: es.privateKey, dsaEncoding: 'ieee-p1363' })
      return `${header}.${payload}.${signature.toString('base64url')}`
    }

    describe('strict JOSE parsing', () => {
      it('RFC 7515 §5.2: a claim named twice ("scope" then "sc\\u006fpe": "admin") -> 401', async () => {
        const server = await start()
        const json = JSON.stringify(claims({ scope: 'orders:read' })).replace(/}$/, ',"sc\\u006fpe":"admin"}')
        const res = await request(server).get('/me').set('Authorization', `Bearer ${issuer.signRaw({ alg: 'ES256', kid: es.kid }, json, es)}`)
        expect401(res)
      })

      it('RFC 7515 §5.2: a header member named twice -> 401', async () => {
        const server = await start()
        const token = issuer.signRaw(`{"alg":"ES256","kid":"${es.kid}","kid":"${es.kid}"}`, claims(), es)
        expect401(await request(server).get('/me').set('Authorization', `Bearer ${token}`))
      })

      it('RFC 7515 §2: a payload segment with non-zero unused bits, correctly signed as written -> 401', async () => {
        const server = await start()
        const header = b64url({ alg: 'ES256', kid: es.kid })
        let payload = b64url(claims())
        for (let pad = 0; payload.length % 4 === 0; pad++) payload = b64url(claims({ pad: 'x'.repeat(pad + 1) }))
        const canonical = signSegments(header, payload)
        expect((await request(server).get('/me').set('Authorization', `Bearer ${canonical}`)).status).toBe(200)
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
        const last = alphabet.indexOf(payload.at(-1) as string)
        const twisted = payload.slice(0, -1) + (alphabet[last + 1] as string)
        expect(Buffer.from(twisted, 'base64url').equals(Buffer.from(payload, 'base64url'))).toBe(true)
        expect401(await request(server).get('/me').set('Authorization', `Bearer ${signSegments(header, twisted)}`))
      })

      it('RFC 8259 §8.1: a byte-order mark before the claims -> 401', async () => {
        const server = await start()
        const bytes = Buffer.concat([hex('efbbbf'), Buffer.from(JSON.stringify(claims()))])
        const token = issuer.signRaw({ alg: 'ES256', kid: es.kid }, new Uint8Array(bytes), es)
        expect401(await request(server).get('/me').set('Authorization', `Bearer ${token}`))
      })

      it.each([
        ['a fractional exp', { exp: NOW_S + 60.5 }],
        ['exp 1e300', { exp: 1e300 }],
        ['a negative iat', { iat: -1 }],
        ['auth_time 1e300', { auth_time: 1e300 }],
      ])('RFC 7519 §2: %s -> 401', async (_name, extra) => {
        const server = await start()
        expect401(await request(server).get('/me').set('Authorization', `Bearer ${issuer.signRaw({ alg: 'ES256', kid: es.kid }, claims(extra), es)}`))
      })
    })

    describe('degenerate keys and key_ops', () => {
      const JWKS = 'https://keys.example.com/jwks'
      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }) as Record<string, string>

      function forgedRs256(): string {
        const header = b64url({ alg: 'RS256', kid: 'e1' })
        const payload = b64url({ iss: HOSTED, aud: AUDIENCE, sub: 'admin', iat: NOW_S, exp: NOW_S + 300 })
        const digest = Buffer.concat([hex('3031300d060960864801650304020105000420'), createHash('sha256').update(`${header}.${payload}`).digest()])
        // RFC 8017 §9.2 EMSA-PKCS1-v1_5: under e = 1 the encoded message is its own signature.
        const em = Buffer.concat([hex('0001'), Buffer.alloc(256 - digest.length - 3, 0xff), hex('00'), digest])
        return `${header}.${payload}.${em.toString('base64url')}`
      }

      function forgedEdDsa(): string {
        const header = b64url({ alg: 'EdDSA', kid: 'ed0' })
        const payload = b64url({ iss: HOSTED, aud: AUDIENCE, sub: 'admin', iat: NOW_S, exp: NOW_S + 300 })
        // R = the identity point, S = 0: valid under the identity public key for any message.
        return `${header}.${payload}.${Buffer.concat([hex(`01${'00'.repeat(31)}`), Buffer.alloc(32)]).toString('base64url')}`
      }

      it.each([
        ['RSA with e = 1', { ...rsa, e: 'AQ', kid: 'e1' }, forgedRs256],
        ['the Ed25519 identity point', { kty: 'OKP', crv: 'Ed25519', x: hex(`01${'00'.repeat(31)}`).toString('base64url'), kid: 'ed0' }, forgedEdDsa],
      ])('RFC 7517 §5; RFC 7518 §6.3.1; RFC 8037 §2: a JWK Set with %s: the key is skipped, the forged token -> 401', async (_name, jwk, forge) => {
        const { fetch } = fakeFetch({ [JWKS]: { keys: [jwk] } })
        const server = await start({ issuer: HOSTED, audience: AUDIENCE, jwksUri: JWKS, fetch })
        expect401(await request(server).get('/me').set('Authorization', `Bearer ${forge()}`))
      })

      it('RFC 7517 §4.3: a JWK with duplicate key_ops is skipped (the same key with one "verify" works)', async () => {
        const good = fakeFetch({ [JWKS]: { keys: [{ ...es.publicJwk, key_ops: ['verify'] }] } })
        const token = issuer.signRaw({ alg: 'ES256', kid: es.kid }, claims(), es)
        let server = await start({ jwksUri: JWKS, fetch: good.fetch })
        expect((await request(server).get('/me').set('Authorization', `Bearer ${token}`)).status).toBe(200)
        const twice = fakeFetch({ [JWKS]: { keys: [{ ...es.publicJwk, key_ops: ['verify', 'verify'] }] } })
        server = await start({ jwksUri: JWKS, fetch: twice.fetch })
        expect401(await request(server).get('/me').set('Authorization', `Bearer ${token}`))
      })
    })

    describe('discovery', () => {
      it('RFC 8414 §2: an https issuer whose metadata names a loopback http jwks_uri -> 503, never fetched', async () => {
        const { fetch, calls } = fakeFetch({
          'https://id.example.com/.well-known/oauth-authorization-server': { issuer: HOSTED, jwks_uri: 'http://127.0.0.1:9/jwks' },
          'https://id.example.com/.well-known/openid-configuration': { issuer: HOSTED, jwks_uri: 'http://localhost:9/jwks' },
        })
        const server = await start({ issuer: HOSTED, audience: AUDIENCE, jwksUri: undefined, fetch })
        const token = issuer.signRaw({ alg: 'ES256', kid: es.kid }, claims({ iss: HOSTED, aud: AUDIENCE }), es)
        expect503(await request(server).get('/me').set('Authorization', `Bearer ${token}`))
        expect(calls.filter((url) => url.startsWith('http:'))).toEqual([])
      })
    })

    describe('introspection', () => {
      const OTHER = 'https://other.example.com/'
      const ENDPOINT = 'https://id.example.com/introspect'
      const apps = lifecycleApps(adapter)
      const options = (answer: Record<string, unknown>): RequireTokenOptions => ({
        issuer: [HOSTED, OTHER], audience: AUDIENCE, clock: () => NOW,
        keys: { [HOSTED]: [generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey], [OTHER]: [generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey] },
        fetch: fakeFetch({ [ENDPOINT]: { active: true, exp: NOW_S + 60, ...answer } }).fetch,
        introspection: { issuer: HOSTED, endpoint: ENDPOINT, clientId: 'rs', clientSecret: 'secret' },
      })

      it("RFC 7662 §4; RFC 9700 §2.3: an answer naming another configured issuer's iss -> 401", async () => {
        const h = await apps(options({ sub: 'alice', iss: OTHER }))
        expectInvalidToken(await h.get('opaque-token'), h)
      })

      it('RFC 7519 §2; RFC 7662 §4: an answer with exp 1e300 -> 401', async () => {
        const h = await apps(options({ sub: 'alice', exp: 1e300 }))
        expectInvalidToken(await h.get('opaque-token'), h)
      })

      it('a handler cannot change the cached claims or scopes the next request gets', async () => {
        const h = await apps(options({ sub: 'alice', iss: HOSTED, scope: 'orders:read', ext: { roles: ['user'] } }))
        const tampered = await h.get('opaque-token', '/tamper')
        expect({ status: tampered.status, body: tampered.body as unknown }).toEqual({ status: 200, body: { changed: false } })
        const me = await h.get('opaque-token')
        expect((me.body as { scopes: unknown }).scopes).toEqual(['orders:read'])
      })
    })

    describe('headers from a trusted proxy hold exactly one value', () => {
      let victim: TestCertificate
      let attacker: TestCertificate
      beforeAll(() => {
        const ca = createCertificateAuthority()
        victim = ca.issueClient('victim')
        attacker = ca.issueClient('attacker')
      })
      const viaProxy = () => start({ trustedProxies: ['127.0.0.1', '::1'], mtls: { certificateHeader: 'X-Client-Cert' } })

      it('RFC 8705 §6.5: one copy with the bound certificate -> 200', async () => {
        const server = await viaProxy()
        const token = await issuer.mint({ cnf: { 'x5t#S256': victim.thumbprint } })
        const res = await rawGet(server, '/me', { authorization: `Bearer ${token}`, 'x-client-cert': forwardedCertificate(victim) })
        expect(res.status).toBe(200)
      })

      it.each([
        ["the victim's certificate sent ahead of the proxy's copy", (v: string, a: string) => [v, a]],
        ['an empty copy ahead of the real one', (v: string) => ['', v]],
        ['a list in one copy', (v: string, a: string) => [`${v}, ${a}`]],
        ['two certificates in one copy', (v: string, a: string) => [v + a]],
      ])('RFC 8705 §6.5; RFC 9700 §4.13: %s -> 401 invalid_token', async (_name, copies) => {
        const server = await viaProxy()
        const token = await issuer.mint({ cnf: { 'x5t#S256': victim.thumbprint } })
        const res = await rawGet(server, '/me', { authorization: `Bearer ${token}`, 'x-client-cert': copies(forwardedCertificate(victim), forwardedCertificate(attacker)) })
        expect401(res)
      })
    })

    describe('DPoP', () => {
      let clientKey: IssuerKey
      let jkt: string
      beforeAll(async () => {
        clientKey = await generateSigningKey('ES256')
        jkt = await jwkThumbprint(clientKey)
      })
      const proofFor = (token: string, htu = `${ORIGIN}/me`): string =>
        createDpopProof({ key: clientKey, htm: 'GET', htu, accessToken: token, clock: () => NOW })

      it.each(['/me', '/x/%2e%2e/me', '/x/%2E%2E/me', '/x/.%2e/me', '/x/../me', '/x/y/../../me', '/./me'])(
        'RFC 9449 §4.3: a proof made for /me, request target %s',
        async (target) => {
          const server = await start({ dpop: { origin: ORIGIN } })
          const token = await issuer.mint({ cnf: { jkt } })
          const res = await rawGet(server, target, { authorization: `DPoP ${token}`, dpop: proofFor(token) })
          if (target === '/me') expect(res.status).toBe(200)
          else expect401(res, 'invalid_dpop_proof')
        },
      )

      it('RFC 9449 §4.3; RFC 9700 §4.13: X-Forwarded-Host sent twice (client copy + proxy copy) -> 401 invalid_dpop_proof', async () => {
        const server = await start({ trustedProxies: ['127.0.0.1', '::1'], dpop: {} })
        const token = await issuer.mint({ cnf: { jkt } })
        const ok = await rawGet(server, '/me', { authorization: `DPoP ${token}`, dpop: proofFor(token), 'x-forwarded-host': 'api.example.com', 'x-forwarded-proto': 'https' })
        expect(ok.status).toBe(200)
        const twice = await rawGet(server, '/me', {
          authorization: `DPoP ${token}`, dpop: proofFor(token), 'x-forwarded-host': ['api.example.com', 'api.example.com'], 'x-forwarded-proto': 'https',
        })
        expect401(twice, 'invalid_dpop_proof')
      })

      it('RFC 9449 §4.2; RFC 8037 §2: a proof whose jwk is a small-order Ed25519 point -> 401 invalid_dpop_proof', async () => {
        const server = await start({ dpop: { origin: ORIGIN } })
        const jwk = { kty: 'OKP', crv: 'Ed25519', x: hex(`01${'00'.repeat(31)}`).toString('base64url') }
        const thumbprint = createHash('sha256').update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x })).digest('base64url')
        expect(createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }).asymmetricKeyType).toBe('ed25519')
        const token = await issuer.mint({ cnf: { jkt: thumbprint } })
        const header = b64url({ typ: 'dpop+jwt', alg: 'EdDSA', jwk })
        const payload = b64url({ jti: randomUUID(), htm: 'GET', htu: `${ORIGIN}/me`, iat: NOW_S, ath: createHash('sha256').update(token).digest('base64url') })
        const proof = `${header}.${payload}.${Buffer.concat([hex(`01${'00'.repeat(31)}`), Buffer.alloc(32)]).toString('base64url')}`
        expect401(await rawGet(server, '/me', { authorization: `DPoP ${token}`, dpop: proof }), 'invalid_dpop_proof')
      })

      it('RFC 9449 §11.1: a full replay store refuses new proofs (503 + Retry-After) and still knows the old one', async () => {
        const server = await start({ dpop: { origin: ORIGIN, replayStore: createMemoryReplayStore({ maxEntries: 1, clock: () => NOW }) } })
        const token = await issuer.mint({ cnf: { jkt } })
        const first = proofFor(token)
        expect((await rawGet(server, '/me', { authorization: `DPoP ${token}`, dpop: first })).status).toBe(200)
        expect503(await rawGet(server, '/me', { authorization: `DPoP ${token}`, dpop: proofFor(token) }))
        expect401(await rawGet(server, '/me', { authorization: `DPoP ${token}`, dpop: first }))
      })
    })

    describe('key rotation and a slow key endpoint', () => {
      let rotating: LocalIssuer
      const clock = manualClock()
      beforeAll(async () => {
        rotating = await createIssuer({ clock: clock.now, algorithms: ['ES256'] })
      })
      afterAll(() => rotating.close())

      it('OpenID Connect Core 1.0 §10.1.1: a token signed with a key published after the last fetch is accepted at once (no cooldown lock-out)', async () => {
        const server = await start({ issuer: rotating.issuer, audience: rotating.audience, jwksUri: rotating.jwksUri, clock: clock.now })
        expect((await request(server).get('/me').set('Authorization', `Bearer ${await rotating.mint()}`)).status).toBe(200)
        clock.advance(2000)
        const next = await rotating.rotate()
        const res = await request(server).get('/me').set('Authorization', `Bearer ${await rotating.mint({}, { key: next })}`)
        expect(res.status).toBe(200)
      })

      it('OpenID Connect Core 1.0 §10.1.1: unknown kids wait at most jwks.unknownKidWait for a hanging fetch, then 503; known keys keep serving', async () => {
        const server = await start({
          issuer: rotating.issuer, audience: rotating.audience, jwksUri: rotating.jwksUri, clock: clock.now, jwks: { unknownKidWait: 200, timeout: 1500 },
        })
        const known = await rotating.mint()
        expect((await request(server).get('/me').set('Authorization', `Bearer ${known}`)).status).toBe(200)
        rotating.setJwksBehaviour('hang')
        try {
          clock.advance(31_000)
          const started = performance.now()
          const res = await request(server).get('/me').set('Authorization', `Bearer ${await rotating.mint({}, { header: { kid: 'not-yet-published' } })}`)
          expect503(res)
          expect(performance.now() - started).toBeLessThan(1200)
          expect((await request(server).get('/me').set('Authorization', `Bearer ${known}`)).status).toBe(200)
        } finally {
          rotating.setJwksBehaviour('ok')
        }
      })
    })
  })
}
