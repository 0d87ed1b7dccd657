/**
 * The token path against the classes an outside check found: shared introspection answers,
 * an introspection endpoint speaking for another issuer, out-of-range times, plain-http
 * discovered endpoints, repeated proxy headers, dot segments against DPoP htu, degenerate DPoP
 * proof keys, key rotation and slow key endpoints. Through createAuthenticator, as a user would.
 */
import { createHash, createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createAuthenticator, type AuditEvent, type FetchLike, type PortcullisRequest, type RequireTokenOptions } from '@portcullis/core'
import {
  createCertificateAuthority,
  createDpopProof,
  createIssuer,
  forwardedCertificate,
  generateSigningKey,
  jwkThumbprint,
  signRaw,
  type IssuerKey,
  type LocalIssuer,
  type TestCertificate,
} from '@portcullis/testing'
import { requestUri } from '../../src/binding/dpop/htu.js'
import { jwkThumbprintOf } from '../../src/jwks/jwk-thumbprint.js'
import { compileTrustedProxies } from '../../src/binding/trusted-proxies.js'
import { discoverEndpoint } from '../../src/jwks/discovery.js'
import { bearer, manualClock, rejection } from '../helpers.js'

const NOW = Date.UTC(2030, 0, 15, 12, 0, 0)
const NOW_S = NOW / 1000
const A = 'https://a.example.com/'
const B = 'https://b.example.com/'
const AUDIENCE = 'https://api.example.com'

/** A fetch answering one JSON document per URL (GET or POST); records the URLs asked. */
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

describe('introspection answers are frozen and speak only for their own issuer', () => {
  const endpoint = 'https://a.example.com/introspect'
  function introspecting(answer: Record<string, unknown>, extra: Partial<RequireTokenOptions> = {}) {
    const { fetch } = fakeFetch({ [endpoint]: { active: true, ...answer } })
    return createAuthenticator({
      issuer: [A, B], audience: AUDIENCE, keys: { [A]: [generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey], [B]: [generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey] },
      fetch, clock: () => NOW, introspection: { issuer: A, endpoint, clientId: 'rs', clientSecret: 'secret' }, ...extra,
    })
  }

  it('a handler cannot change the claims (deep) or scopes the next request with the token gets', async () => {
    const auth = introspecting({ sub: 'alice', scope: 'orders:read', iss: A, exp: NOW_S + 60, ext: { roles: ['user'] } })
    const first = (await auth.authenticate(bearer('opaque-token-1')))!
    const claims = first.identity.claims as Record<string, unknown>
    expect(Object.isFrozen(claims)).toBe(true)
    expect(Object.isFrozen((claims['ext'] as Record<string, unknown>)['roles'])).toBe(true)
    expect(() => {
      claims['scope'] = 'admin'
    }).toThrow(TypeError)
    expect(() => (((claims['ext'] as Record<string, unknown>)['roles']) as string[]).push('admin')).toThrow(TypeError)
    expect(() => (first.identity.scopes as string[]).push('admin')).toThrow(TypeError)
    const second = (await auth.authenticate(bearer('opaque-token-1')))!
    expect(second.identity.scopes).toEqual(['orders:read'])
    expect((second.identity.claims as Record<string, unknown>)['scope']).toBe('orders:read')
  })

  it("an endpoint answering with another configured issuer's iss is refused", async () => {
    const error = await rejection(() => introspecting({ sub: 'alice', iss: B }).authenticate(bearer('opaque-token-2')))
    expect({ code: error.code, reason: error.reason }).toEqual({ code: 'invalid_token', reason: 'issuer' })
    const own = await introspecting({ sub: 'alice', iss: A }).authenticate(bearer('opaque-token-3'))
    expect(own?.identity.issuer).toBe(A)
    const none = await introspecting({ sub: 'alice' }).authenticate(bearer('opaque-token-4'))
    expect(none?.identity.issuer).toBe(A)
  })

  it.each([1e300, 1.5, -1, '1700000000'])('RFC 7519 §2; RFC 7662 §2.2: an introspection exp of %p is invalid_token', async (exp) => {
    const error = await rejection(() => introspecting({ sub: 'alice', exp }).authenticate(bearer('opaque-token-5')))
    expect({ code: error.code, reason: error.reason }).toEqual({ code: 'invalid_token', reason: 'claims' })
  })
})

describe('time claims out of range are invalid everywhere', () => {
  let issuer: LocalIssuer
  beforeAll(async () => {
    issuer = await createIssuer({ clock: () => NOW, algorithms: ['ES256'] })
  })
  afterAll(() => issuer.close())

  it.each([1e300, 1.5, -1, 253402300800])('RFC 7519 §2; RFC 9470 §3: step-up: auth_time %p never passes maxAge (invalid_token)', async (authTime) => {
    const auth = createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri, clock: () => NOW })
    const token = await issuer.mint({ auth_time: authTime })
    const error = await rejection(() => auth.authenticate(bearer(token)))
    expect({ code: error.code, reason: error.reason }).toEqual({ code: 'invalid_token', reason: 'claims' })
  })

  it.each(['iat', 'nbf', 'exp'])('RFC 7519 §2: a fractional %s is invalid_token', async (name) => {
    const auth = createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri, clock: () => NOW })
    const value = name === 'exp' ? NOW_S + 60.5 : NOW_S - 0.5
    const error = await rejection(async () => auth.authenticate(bearer(await issuer.mint({ [name]: value }))))
    expect(error.code).toBe('invalid_token')
  })
})

describe('discovered endpoints use https unless the issuer itself is loopback http', () => {
  const metadata = (issuer: string, extra: Record<string, unknown>) => ({ issuer, ...extra })

  it('RFC 8414 §2: an https issuer whose metadata points the JWKS at loopback http: 503, the http URL is never fetched', async () => {
    const { fetch, calls } = fakeFetch({
      'https://a.example.com/.well-known/oauth-authorization-server': metadata(A, { jwks_uri: 'http://127.0.0.1:8080/jwks' }),
      'https://a.example.com/.well-known/openid-configuration': metadata(A, { jwks_uri: 'http://localhost/jwks' }),
    })
    const auth = createAuthenticator({ issuer: A, audience: AUDIENCE, fetch, clock: () => NOW })
    const key = await generateSigningKey('ES256')
    const token = signRaw({ alg: 'ES256', kid: key.kid }, { iss: A, aud: AUDIENCE, exp: NOW_S + 60 }, key)
    const error = await rejection(() => auth.authenticate(bearer(token)))
    expect(error.status).toBe(503)
    expect(calls.some((url) => url.startsWith('http:'))).toBe(false)
  })

  it('the same for the introspection endpoint', async () => {
    const { fetch, calls } = fakeFetch({
      'https://a.example.com/.well-known/oauth-authorization-server': metadata(A, { introspection_endpoint: 'http://127.0.0.1/introspect' }),
    })
    const auth = createAuthenticator({
      issuer: A, audience: AUDIENCE, keys: [generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey], fetch, clock: () => NOW,
      introspection: { clientId: 'rs', clientSecret: 'secret' },
    })
    expect((await rejection(() => auth.authenticate(bearer('opaque')))).status).toBe(503)
    expect(calls.some((url) => url.startsWith('http:'))).toBe(false)
  })

  it.each(['jwks_uri', 'introspection_endpoint', 'token_endpoint'])('discoverEndpoint(%s): http only for a loopback http issuer', async (member) => {
    const limits = { timeoutMs: 1000, maxBytes: 65536 }
    const https = fakeFetch({ 'https://a.example.com/.well-known/oauth-authorization-server': { issuer: A, [member]: 'http://127.0.0.1/x' } })
    await expect(discoverEndpoint(A, member, https.fetch, limits)).rejects.toThrow(/must use https, as the issuer does/)
    const local = 'http://127.0.0.1:4000/'
    const loopback = fakeFetch({ 'http://127.0.0.1:4000/.well-known/oauth-authorization-server': { issuer: local, [member]: 'http://127.0.0.1:4000/x' } })
    await expect(discoverEndpoint(local, member, loopback.fetch, limits)).resolves.toBe('http://127.0.0.1:4000/x')
    const secure = fakeFetch({ 'https://a.example.com/.well-known/oauth-authorization-server': { issuer: A, [member]: 'https://keys.example.com/x' } })
    await expect(discoverEndpoint(A, member, secure.fetch, limits)).resolves.toBe('https://keys.example.com/x')
  })

  it('a loopback http issuer may still use loopback http endpoints (local development)', async () => {
    const local = await createIssuer({ clock: () => NOW, algorithms: ['ES256'] })
    try {
      expect(local.issuer.startsWith('http://127.0.0.1')).toBe(true)
      const auth = createAuthenticator({ issuer: local.issuer, audience: local.audience, clock: () => NOW })
      expect((await auth.authenticate(bearer(await local.mint())))?.identity.issuer).toBe(local.issuer)
    } finally {
      await local.close()
    }
  })
})

describe('headers from a trusted proxy must hold exactly one value', () => {
  const PROXY = '10.1.2.3'
  let issuer: LocalIssuer
  let client: TestCertificate
  let victim: TestCertificate
  beforeAll(async () => {
    issuer = await createIssuer({ clock: () => NOW, algorithms: ['ES256'] })
    const ca = createCertificateAuthority()
    client = ca.issueClient('attacker')
    victim = ca.issueClient('victim')
  })
  afterAll(() => issuer.close())

  function viaProxy(events: AuditEvent[]) {
    return createAuthenticator({
      issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri, clock: () => NOW,
      trustedProxies: [PROXY], mtls: { certificateHeader: 'X-Client-Cert' }, audit: (event) => {
        events.push(event)
      },
    })
  }

  function withCopies(token: string, copies: string[]): PortcullisRequest {
    const rawHeaders = ['Authorization', `Bearer ${token}`, ...copies.flatMap((value) => ['X-Client-Cert', value])]
    return { method: 'GET', url: '/r', remoteAddress: PROXY, rawHeaders, headers: { authorization: `Bearer ${token}`, 'x-client-cert': copies.join(', ') } }
  }

  it('RFC 8705 §6.5: one copy with one certificate is accepted', async () => {
    const token = await issuer.mint({ cnf: { 'x5t#S256': victim.thumbprint } })
    expect(await viaProxy([]).authenticate(withCopies(token, [forwardedCertificate(victim)]))).toBeDefined()
  })

  it.each([
    ['the victim\u2019s certificate first, the proxy\u2019s copy after', (v: string, c: string) => [v, c]],
    ['an empty copy first', (v: string) => ['', v]],
    ['two certificates in one copy (a list)', (v: string, c: string) => [`${v},${c}`]],
    ['a chain: two PEM certificates in one value', (v: string, c: string) => [v + c]],
    ['one empty copy', () => ['']],
  ])('RFC 8705 §6.5: %s -> 401 invalid_token, audited', async (_name, build) => {
    const token = await issuer.mint({ cnf: { 'x5t#S256': victim.thumbprint } })
    const events: AuditEvent[] = []
    const error = await rejection(() => viaProxy(events).authenticate(withCopies(token, build(forwardedCertificate(victim), forwardedCertificate(client)))))
    expect({ status: error.status, code: error.code }).toEqual({ status: 401, code: 'invalid_token' })
    expect(events.map((event) => event.outcome)).toEqual(['failure'])
  })

  it('RFC 9449 §4.3; RFC 9700 §4.13: X-Forwarded-Host, X-Forwarded-Proto and Host repeated: the DPoP request URI is unknown', () => {
    const rules = { origins: [], trustProxy: compileTrustedProxies([PROXY]) }
    const base = { method: 'GET', url: '/orders', remoteAddress: PROXY }
    const one = { ...base, headers: { host: 'api.example.com', 'x-forwarded-proto': 'https' }, rawHeaders: ['Host', 'api.example.com', 'X-Forwarded-Proto', 'https'] }
    expect(requestUri(one, rules)).toBe('https://api.example.com/orders')
    // Node keeps only the first Host: the raw list shows the second.
    expect(requestUri({ ...one, rawHeaders: [...one.rawHeaders, 'host', 'evil.example.com'] }, rules)).toBeUndefined()
    expect(requestUri({ ...one, rawHeaders: [...one.rawHeaders, 'X-Forwarded-Proto', 'http'] }, rules)).toBeUndefined()
    const forwarded = { ...one, headers: { ...one.headers, 'x-forwarded-host': 'evil.example.com, api.example.com' } }
    // An unusable X-Forwarded-Host never falls back to Host.
    expect(requestUri(forwarded, rules)).toBeUndefined()
    expect(requestUri({ ...one, headers: { ...one.headers, 'x-forwarded-proto': '' } }, rules)).toBeUndefined()
  })
})

describe('DPoP: dot segments and degenerate proof keys', () => {
  const ORIGIN = 'https://api.example.com'
  let issuer: LocalIssuer
  let clientKey: IssuerKey
  beforeAll(async () => {
    issuer = await createIssuer({ clock: () => NOW, algorithms: ['ES256'] })
    clientKey = await generateSigningKey('ES256')
  })
  afterAll(() => issuer.close())

  const auth = () => createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri, clock: () => NOW, dpop: { origin: ORIGIN } })

  it.each([
    '/admin/../orders', '/admin/x/../../orders', '/admin/%2e%2e/orders', '/admin/%2E%2E/orders', '/admin/.%2e/orders',
    '/./orders', '/admin/%2e/../orders', 'https://api.example.com/admin/../orders', '/admin\\..\\orders',
  ])('RFC 9449 §4.3: a proof for /orders is refused at %s', async (target) => {
    const token = await issuer.mint({ cnf: { jkt: await jwkThumbprint(clientKey) } })
    const proof = createDpopProof({ key: clientKey, htm: 'GET', htu: `${ORIGIN}/orders`, accessToken: token, clock: () => NOW })
    const error = await rejection(() => auth().authenticate({ method: 'GET', url: target, headers: { authorization: `DPoP ${token}`, dpop: proof } }))
    expect({ code: error.code, reason: error.reason }).toEqual({ code: 'invalid_dpop_proof', reason: 'dpop_htu' })
  })

  it('RFC 9449 §4.2; RFC 8037 §2: a proof whose jwk is the Ed25519 identity (a signature anybody can make) is invalid_dpop_proof', async () => {
    const identity = Buffer.from('0100000000000000000000000000000000000000000000000000000000000000', 'hex')
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: identity.toString('base64url') }
    const token = await issuer.mint({ cnf: { jkt: jwkThumbprintOf(createPublicKey({ key: jwk, format: 'jwk' })) } })
    const header = Buffer.from(JSON.stringify({ typ: 'dpop+jwt', alg: 'EdDSA', jwk })).toString('base64url')
    const payload = Buffer.from(JSON.stringify({
      jti: randomUUID(), htm: 'GET', htu: `${ORIGIN}/orders`, iat: NOW_S, ath: createHash('sha256').update(token).digest('base64url'),
    })).toString('base64url')
    // R = identity, S = 0: verifies under the identity key for any message.
    const proof = `${header}.${payload}.${Buffer.concat([identity, Buffer.alloc(32)]).toString('base64url')}`
    const error = await rejection(() => auth().authenticate({ method: 'GET', url: '/orders', headers: { authorization: `DPoP ${token}`, dpop: proof } }))
    expect({ code: error.code, reason: error.reason }).toEqual({ code: 'invalid_dpop_proof', reason: 'dpop_key' })
  })
})

describe('key rotation and slow key endpoints', () => {
  const JWKS = 'https://a.example.com/jwks'
  let issuer: LocalIssuer
  beforeAll(async () => {
    issuer = await createIssuer({ algorithms: ['ES256'] })
  })
  afterAll(() => issuer.close())

  function served(): { fetch: FetchLike; calls: number; hang: boolean; keys: IssuerKey[] } {
    const state = { calls: 0, hang: false, keys: [...issuer.keys], fetch: undefined as unknown as FetchLike }
    state.fetch = async (_url, init) => {
      state.calls++
      if (state.hang) {
        return new Promise<Response>((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error)))
      }
      return Response.json({ keys: state.keys.map((key) => key.publicJwk) })
    }
    return state
  }

  const tokenBy = (key: IssuerKey, iat: number, kid = key.kid) =>
    signRaw({ alg: 'ES256', kid }, { iss: A, aud: AUDIENCE, iat, exp: iat + 300 }, key)

  it('a token issued after the last fetch, with a key published since, is accepted before the cooldown ends', async () => {
    const clock = manualClock(NOW)
    const jwks = served()
    const auth = createAuthenticator({ issuer: A, audience: AUDIENCE, jwksUri: JWKS, fetch: jwks.fetch, clock: clock.now })
    const old = jwks.keys[0] as IssuerKey
    await auth.authenticate(bearer(tokenBy(old, NOW_S)))
    const next = await generateSigningKey('ES256')
    jwks.keys.push(next)
    clock.advance(2000)
    const result = await auth.authenticate(bearer(tokenBy(next, NOW_S + 2)))
    expect(result?.identity.issuer).toBe(A)
    expect(jwks.calls).toBe(2)
  })

  it('forged kids claiming to be new cause at most one early refetch per second (iat is attacker-controlled)', async () => {
    const clock = manualClock(NOW)
    const jwks = served()
    const auth = createAuthenticator({ issuer: A, audience: AUDIENCE, jwksUri: JWKS, fetch: jwks.fetch, clock: clock.now })
    const key = jwks.keys[0] as IssuerKey
    await auth.authenticate(bearer(tokenBy(key, NOW_S)))
    clock.advance(1000)
    for (let i = 0; i < 20; i++) await rejection(() => auth.authenticate(bearer(tokenBy(key, NOW_S + 1, `forged-${i}`))))
    expect(jwks.calls).toBe(2)
    clock.advance(999)
    for (let i = 0; i < 20; i++) await rejection(() => auth.authenticate(bearer(tokenBy(key, NOW_S + 1, `forged-${i}`))))
    expect(jwks.calls).toBe(2)
    clock.advance(1)
    await rejection(() => auth.authenticate(bearer(tokenBy(key, NOW_S + 2, 'forged-x'))))
    expect(jwks.calls).toBe(3)
    // A token that fails a signature-independent check (expired, wrong audience) never triggers one.
    clock.advance(5000)
    const expired = signRaw({ alg: 'ES256', kid: 'forged-y' }, { iss: A, aud: AUDIENCE, iat: NOW_S + 7, exp: NOW_S + 1 }, key)
    const elsewhere = signRaw({ alg: 'ES256', kid: 'forged-z' }, { iss: A, aud: 'https://other.example.com', iat: NOW_S + 7, exp: NOW_S + 300 }, key)
    await rejection(() => auth.authenticate(bearer(expired)))
    await rejection(() => auth.authenticate(bearer(elsewhere)))
    expect(jwks.calls).toBe(3)
  })

  it('a slow key endpoint: unknown kids wait at most unknownKidWait, then 503 + Retry-After; known keys keep serving', async () => {
    const clock = manualClock(NOW)
    const jwks = served()
    const auth = createAuthenticator({ issuer: A, audience: AUDIENCE, jwksUri: JWKS, fetch: jwks.fetch, clock: clock.now, jwks: { unknownKidWait: 200, timeout: 3000 } })
    const key = jwks.keys[0] as IssuerKey
    await auth.authenticate(bearer(tokenBy(key, NOW_S)))
    clock.advance(31_000)
    jwks.hang = true
    const started = performance.now()
    const error = await rejection(() => auth.authenticate(bearer(tokenBy(key, NOW_S, 'unknown'))))
    const waited = performance.now() - started
    expect({ status: error.status, retryAfter: error.headers['Retry-After'] }).toEqual({ status: 503, retryAfter: '1' })
    expect(waited).toBeLessThan(1500)
    // While that fetch is still in flight, a known key is served at once.
    const known = await auth.authenticate(bearer(tokenBy(key, NOW_S + 31)))
    expect(known?.identity.issuer).toBe(A)
    // A second unknown kid joins the fetch in flight, bounded the same way.
    expect((await rejection(() => auth.authenticate(bearer(tokenBy(key, NOW_S + 31, 'other'))))).status).toBe(503)
    expect(jwks.calls).toBe(2)
  })
})
