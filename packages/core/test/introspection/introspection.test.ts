import { generateKeyPairSync } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createLocalJWKSet, exportJWK, jwtVerify } from 'jose'
import { createAuthenticator, type FetchLike, type RequireTokenOptions } from '@portcullis/core'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { bearer, manualClock, rejection } from '../helpers.js'

const NOW = Date.UTC(2030, 0, 15, 12, 0, 0)

describe('RFC 7662 introspection', () => {
  let issuer: LocalIssuer
  const clock = manualClock(NOW)

  beforeAll(async () => {
    issuer = await createIssuer({ clock: clock.now })
  })
  afterAll(() => issuer.close())

  function options(overrides: Partial<RequireTokenOptions['introspection'] & object> = {}, rest: Partial<RequireTokenOptions> = {}): RequireTokenOptions {
    return {
      issuer: issuer.issuer,
      audience: issuer.audience,
      jwksUri: issuer.jwksUri,
      clock: clock.now,
      introspection: { endpoint: issuer.introspectionEndpoint, ...issuer.introspectionClient, ...overrides },
      ...rest,
    }
  }

  function fresh(): void {
    issuer.resetStats()
    issuer.setIntrospectionBehaviour('ok')
  }

  it('RFC 7662 §2.1; RFC 9449 §6.2; RFC 9470 §6.2; RFC 8693 §4.1: an opaque token is introspected (POST, form, basic auth, hint) into the same Identity', async () => {
    fresh()
    const auth = createAuthenticator(options())
    const authTime = NOW / 1000 - 60
    const token = issuer.opaqueToken({
      sub: 'alice',
      scope: 'orders:read orders:write',
      acr: 'urn:example:mfa',
      auth_time: authTime,
      act: { sub: 'gateway' },
      username: 'alice@example.com',
    })
    const result = await auth.authenticate(bearer(token))
    expect(result?.identity).toMatchObject({
      subject: 'alice',
      issuer: issuer.issuer,
      audience: [issuer.audience],
      clientId: 'test-client',
      scopes: ['orders:read', 'orders:write'],
      tokenType: 'opaque',
      actor: [{ subject: 'gateway' }],
      acr: 'urn:example:mfa',
      authTime: new Date(authTime * 1000),
    })
    expect(result?.identity.claims).not.toHaveProperty('active')
    expect(result?.identity.claims).toMatchObject({ username: 'alice@example.com' })
    expect(issuer.introspectionCalls).toEqual([{ clientAuth: 'client_secret_basic', tokenTypeHint: 'access_token', hasToken: true }])
  })

  it('RFC 7662 §2.1: client_secret_post sends the credentials in the form; tokenTypeHint false sends no hint', async () => {
    fresh()
    const auth = createAuthenticator(options({ clientAuth: 'client_secret_post', tokenTypeHint: false }))
    await auth.authenticate(bearer(issuer.opaqueToken()))
    expect(issuer.introspectionCalls).toEqual([{ clientAuth: 'client_secret_post', tokenTypeHint: undefined, hasToken: true }])
  })

  it('RFC 7662 §2.1: client_secret_basic form-urlencodes the id and secret first (RFC 6749 §2.3.1)', async () => {
    const special = await createIssuer({ clock: clock.now, introspectionClient: { clientId: 'api:1 ü', clientSecret: 'p@ss:wörd+%/=' } })
    try {
      const auth = createAuthenticator({
        issuer: special.issuer,
        audience: special.audience,
        clock: clock.now,
        introspection: { endpoint: special.introspectionEndpoint, ...special.introspectionClient },
      })
      const result = await auth.authenticate(bearer(special.opaqueToken()))
      expect(result?.identity.tokenType).toBe('opaque')
      expect(special.introspectionCalls.at(-1)?.clientAuth).toBe('client_secret_basic')
    } finally {
      await special.close()
    }
  })

  it('RFC 8414 §2: the endpoint is discovered from the issuer metadata (introspection_endpoint)', async () => {
    fresh()
    const auth = createAuthenticator(options({ endpoint: undefined }))
    const result = await auth.authenticate(bearer(issuer.opaqueToken()))
    expect(result?.identity.tokenType).toBe('opaque')
    expect(issuer.stats).toMatchObject({ discovery: 1, introspection: 1 })
  })

  it('RFC 7662 §2.3: discovery failing -> 503; retried only after 5 s, then the endpoint is used', async () => {
    fresh()
    issuer.setDiscoveryBehaviour('error')
    const auth = createAuthenticator(options({ endpoint: undefined }))
    expect((await rejection(() => auth.authenticate(bearer(issuer.opaqueToken())))).status).toBe(503)
    issuer.setDiscoveryBehaviour('ok')
    expect((await rejection(() => auth.authenticate(bearer(issuer.opaqueToken())))).status).toBe(503)
    expect(issuer.stats.discovery).toBe(2) // both locations tried once, not again within 5 s
    clock.advance(5000)
    expect((await auth.authenticate(bearer(issuer.opaqueToken())))?.identity.tokenType).toBe('opaque')
  })

  it('RFC 7662 §2.2: active false (unknown, revoked or expired at the AS) -> 401 invalid_token', async () => {
    fresh()
    const auth = createAuthenticator(options())
    const token = issuer.opaqueToken()
    issuer.revokeOpaqueToken(token)
    const error = await rejection(() => auth.authenticate(bearer(token)))
    expect({ status: error.status, code: error.code, reason: error.reason }).toEqual({ status: 401, code: 'invalid_token', reason: 'inactive' })
    const unknown = await rejection(() => auth.authenticate(bearer('not-a-registered-token')))
    expect(unknown.code).toBe('invalid_token')
  })

  it.each([
    ['active "true" (a string)', { active: 'true', sub: 'x' }],
    ['no active member', { sub: 'x' }],
  ])('RFC 7662 §2.2: %s is treated as inactive -> 401', async (_name, body) => {
    fresh()
    issuer.setIntrospectionBehaviour({ body })
    const auth = createAuthenticator(options())
    expect((await rejection(() => auth.authenticate(bearer('opaque-1')))).code).toBe('invalid_token')
    issuer.setIntrospectionBehaviour('ok')
  })

  it.each([
    ['HTTP 500', 'error' as const],
    ['a dropped connection', 'down' as const],
    ['a non-JSON body', { body: '<html>oops</html>', contentType: 'text/html' }],
    ['a JSON array', { body: [{ active: true }] }],
    ['HTTP 401 (our credentials refused)', { body: { error: 'invalid_client' }, status: 401 }],
    ['an oversized body', { body: { active: true, padding: 'x'.repeat(70_000) } }],
  ])('RFC 7662 §2.3: %s -> 503 temporarily_unavailable, never invalid_token', async (_name, behaviour) => {
    fresh()
    issuer.setIntrospectionBehaviour(behaviour)
    const auth = createAuthenticator(options())
    const error = await rejection(() => auth.authenticate(bearer(issuer.opaqueToken())))
    expect({ status: error.status, code: error.code }).toEqual({ status: 503, code: 'temporarily_unavailable' })
    expect(error.headers['Retry-After']).toMatch(/^[1-9][0-9]*$/)
    issuer.setIntrospectionBehaviour('ok')
  })

  it('RFC 7662 §2.3: a hanging endpoint times out -> 503', async () => {
    fresh()
    issuer.setIntrospectionBehaviour('hang')
    const auth = createAuthenticator(options({ timeout: 100 }))
    const started = Date.now()
    const error = await rejection(() => auth.authenticate(bearer(issuer.opaqueToken())))
    expect(error.status).toBe(503)
    expect(Date.now() - started).toBeLessThan(2000)
    issuer.setIntrospectionBehaviour('ok')
  })

  it('RFC 7662 §2.3: wrong client credentials -> 503 (the AS refused us, not the token)', async () => {
    fresh()
    const auth = createAuthenticator(options({ clientSecret: 'wrong' }))
    expect((await rejection(() => auth.authenticate(bearer(issuer.opaqueToken())))).status).toBe(503)
  })

  it('RFC 7662 §2.3, §4: a redirect is never followed (credentials and token stay put) -> 503', async () => {
    const seen: string[] = []
    const fetch: FetchLike = async (url, init) => {
      seen.push(`${String(init.method)} ${url} redirect=${String(init.redirect)}`)
      return new Response('', { status: 302, headers: { location: 'https://evil.example/' } })
    }
    const auth = createAuthenticator(options({}, { fetch }))
    expect((await rejection(() => auth.authenticate(bearer('opaque-redirect')))).status).toBe(503)
    expect(seen).toEqual([`POST ${issuer.introspectionEndpoint} redirect=error`])
  })

  it('RFC 7662 §4; RFC 9700 §2.3: iss and aud of the response are checked like a JWT when present', async () => {
    fresh()
    const auth = createAuthenticator(options())
    const wrongAud = await rejection(() => auth.authenticate(bearer(issuer.opaqueToken({ aud: 'https://other.example' }))))
    expect({ code: wrongAud.code, reason: wrongAud.reason }).toEqual({ code: 'invalid_token', reason: 'audience' })
    const wrongIss = await rejection(() => auth.authenticate(bearer(issuer.opaqueToken({ iss: 'https://evil.example' }))))
    expect({ code: wrongIss.code, reason: wrongIss.reason }).toEqual({ code: 'invalid_token', reason: 'issuer' })
    const noAudNoIss = await auth.authenticate(bearer(issuer.opaqueToken({}, { omit: ['aud', 'iss'] })))
    expect(noAudNoIss?.identity.issuer).toBe(issuer.issuer)
    const refresh = await rejection(() => auth.authenticate(bearer(issuer.opaqueToken({ token_type: 'refresh_token' }))))
    expect(refresh.code).toBe('invalid_token')
  })

  it('RFC 7662 §4: nbf in the future beyond the tolerance -> 401', async () => {
    fresh()
    const auth = createAuthenticator(options())
    const error = await rejection(() => auth.authenticate(bearer(issuer.opaqueToken({ nbf: NOW / 1000 + 60 }))))
    expect({ code: error.code, reason: error.reason }).toEqual({ code: 'invalid_token', reason: 'not_yet_valid' })
  })

  it('RFC 9449 §6.2: a bound token (cnf) from introspection is refused when no proof of possession is checked', async () => {
    fresh()
    const auth = createAuthenticator(options())
    const error = await rejection(() => auth.authenticate(bearer(issuer.opaqueToken({ token_type: 'DPoP', cnf: { jkt: 'abc' } }))))
    expect({ code: error.code, reason: error.reason }).toEqual({ code: 'invalid_token', reason: 'binding' })
  })

  describe('caching (RFC 7662 §2.2, §4)', () => {
    it('RFC 7662 §4: an active answer is reused within the TTL, then refetched', async () => {
      fresh()
      const auth = createAuthenticator(options({ cache: { ttl: 30 } }))
      const token = issuer.opaqueToken({}, { expiresIn: 3600 })
      await auth.authenticate(bearer(token))
      await auth.authenticate(bearer(token))
      expect(issuer.stats.introspection).toBe(1)
      clock.advance(31_000)
      await auth.authenticate(bearer(token))
      expect(issuer.stats.introspection).toBe(2)
    })

    it('RFC 7662 §4: an answer is never cached beyond its exp (frozen clock)', async () => {
      fresh()
      const auth = createAuthenticator(options({ cache: { ttl: 600 } }, { clockTolerance: 0 }))
      const token = issuer.opaqueToken({}, { expiresIn: 10 })
      await auth.authenticate(bearer(token))
      clock.advance(9_000)
      await auth.authenticate(bearer(token))
      expect(issuer.stats.introspection).toBe(1)
      clock.advance(1_000)
      // At exp the cached answer is gone: the AS is asked again and says inactive.
      const error = await rejection(() => auth.authenticate(bearer(token)))
      expect(error.code).toBe('invalid_token')
      expect(issuer.stats.introspection).toBe(2)
    })

    it('RFC 7662 §4: a revoked token stays usable at most for the TTL; negative answers are cached briefly', async () => {
      fresh()
      const auth = createAuthenticator(options({ cache: { ttl: 20, negativeTtl: 2 } }))
      const token = issuer.opaqueToken({}, { expiresIn: 3600 })
      await auth.authenticate(bearer(token))
      issuer.revokeOpaqueToken(token)
      await auth.authenticate(bearer(token))
      clock.advance(20_000)
      expect((await rejection(() => auth.authenticate(bearer(token)))).code).toBe('invalid_token')
      expect((await rejection(() => auth.authenticate(bearer(token)))).code).toBe('invalid_token')
      expect(issuer.stats.introspection).toBe(2)
      clock.advance(2_000)
      await rejection(() => auth.authenticate(bearer(token)))
      expect(issuer.stats.introspection).toBe(3)
    })

    it('RFC 7662 §4: the cache is bounded (least recently used evicted) and can be disabled', async () => {
      fresh()
      const auth = createAuthenticator(options({ cache: { maxEntries: 2 } }))
      const [a, b, c] = [issuer.opaqueToken(), issuer.opaqueToken(), issuer.opaqueToken()]
      for (const token of [a, b, a, c]) await auth.authenticate(bearer(token))
      expect(issuer.stats.introspection).toBe(3)
      await auth.authenticate(bearer(a))
      expect(issuer.stats.introspection).toBe(3)
      await auth.authenticate(bearer(b))
      expect(issuer.stats.introspection).toBe(4)

      fresh()
      const uncached = createAuthenticator(options({ cache: false }))
      await uncached.authenticate(bearer(a))
      await uncached.authenticate(bearer(a))
      expect(issuer.stats.introspection).toBe(2)
    })

    it('inactive answers have their own bound: a flood of unknown tokens does not evict active answers', async () => {
      fresh()
      const auth = createAuthenticator(options({ cache: { maxEntries: 10 } }))
      const token = issuer.opaqueToken()
      await auth.authenticate(bearer(token))
      for (let i = 0; i < 20; i += 1) await rejection(() => auth.authenticate(bearer(`made-up-${i}`)))
      expect(issuer.stats.introspection).toBe(21)
      await auth.authenticate(bearer(token))
      expect(issuer.stats.introspection).toBe(21)
      // Only the latest inactive answer (a tenth of 10) is still cached.
      await rejection(() => auth.authenticate(bearer('made-up-19')))
      await rejection(() => auth.authenticate(bearer('made-up-18')))
      expect(issuer.stats.introspection).toBe(22)
    })

    it('large answers are bounded by cache.maxBytes, not only by the count', async () => {
      const large = (i: number) => issuer.opaqueToken({ groups: Array.from({ length: 400 }, (_, g) => `group-${i}-${g}`) }, { expiresIn: 3600 })
      for (const [maxBytes, expected] of [[undefined, 10], [64 * 1024, 20]] as const) {
        fresh()
        const auth = createAuthenticator(options({ cache: { maxEntries: 1000, ...(maxBytes === undefined ? {} : { maxBytes }) } }))
        const tokens = Array.from({ length: 10 }, (_, i) => large(i))
        for (const token of tokens) await auth.authenticate(bearer(token))
        for (const token of tokens) await auth.authenticate(bearer(token))
        // Each answer is ~20 KB estimated: 8 MiB (default) keeps all ten, 64 KiB only the last
        // few, so replaying the ten in order misses every time (LRU).
        expect(issuer.stats.introspection).toBe(expected)
      }
    })

    it('the rfc9068 profile (a JWT profile) does not demand its claims from introspection responses', async () => {
      fresh()
      const auth = createAuthenticator(options({}, { profile: 'rfc9068' }))
      const result = await auth.authenticate(bearer(issuer.opaqueToken({}, { omit: ['jti', 'iat'] })))
      expect(result?.identity.tokenType).toBe('opaque')
    })

    it('RFC 7662 §2.2: each resource server configuration has its own cache', async () => {
      fresh()
      const token = issuer.opaqueToken()
      await createAuthenticator(options()).authenticate(bearer(token))
      await createAuthenticator(options()).authenticate(bearer(token))
      expect(issuer.stats.introspection).toBe(2)
    })

    it('concurrent requests with the same token share one introspection (single flight)', async () => {
      fresh()
      const auth = createAuthenticator(options())
      const token = issuer.opaqueToken()
      const results = await Promise.all(Array.from({ length: 8 }, () => auth.authenticate(bearer(token))))
      expect(results.every((r) => r?.identity.subject === 'user-123')).toBe(true)
      expect(issuer.stats.introspection).toBe(1)
    })

    it('failures are not cached: the next request asks again', async () => {
      fresh()
      const auth = createAuthenticator(options())
      const token = issuer.opaqueToken()
      issuer.setIntrospectionBehaviour('error')
      expect((await rejection(() => auth.authenticate(bearer(token)))).status).toBe(503)
      issuer.setIntrospectionBehaviour('ok')
      expect((await auth.authenticate(bearer(token)))?.identity.tokenType).toBe('opaque')
    })
  })

  describe('mode', () => {
    it("'opaque' (default): JWTs are verified locally, never introspected", async () => {
      fresh()
      const auth = createAuthenticator(options())
      const result = await auth.authenticate(bearer(await issuer.mint()))
      expect(result?.identity.tokenType).toBe('jwt')
      expect(issuer.stats.introspection).toBe(0)
    })

    it("'all': every token is introspected, JWTs included", async () => {
      fresh()
      const auth = createAuthenticator(options({ mode: 'all' }))
      const jwt = await issuer.mint()
      const error = await rejection(() => auth.authenticate(bearer(jwt)))
      // The local issuer only knows registered opaque tokens: the JWT is inactive there.
      expect(error.code).toBe('invalid_token')
      expect(issuer.stats.introspection).toBe(1)
    })
  })

  it('private_key_jwt: an RFC 7523 client assertion signed with the configured key', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    let form: URLSearchParams | undefined
    const fetch: FetchLike = async (_url, init) => {
      form = new URLSearchParams(String(init.body))
      return Response.json({ active: true, sub: 'svc' })
    }
    const auth = createAuthenticator({
      issuer: issuer.issuer,
      audience: issuer.audience,
      clock: () => Date.now(),
      fetch,
      introspection: { endpoint: 'https://as.example/introspect', clientId: 'rs-1', privateKey, privateKeyId: 'k1' },
    })
    expect((await auth.authenticate(bearer('opaque-pkjwt')))?.identity.subject).toBe('svc')
    expect(form?.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
    expect(form?.get('client_secret')).toBeNull()
    const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] })
    const { payload, protectedHeader } = await jwtVerify(String(form?.get('client_assertion')), jwks, {
      issuer: 'rs-1',
      subject: 'rs-1',
      audience: 'https://as.example/introspect',
    })
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: 'k1' })
    expect(typeof payload.jti).toBe('string')
    expect((payload.exp as number) - (payload.iat as number)).toBe(60)
  })

  it.each([
    ['no clientId', { clientId: undefined }, /introspection\.clientId is required/],
    ['no secret', { clientSecret: undefined }, /introspection\.clientSecret is required/],
    ['an unknown member', { secret: 'x' }, /introspection\.secret is not an option/],
    ['a plain http endpoint', { endpoint: 'http://as.example/introspect' }, /introspection\.endpoint must use https/],
    ['a bad mode', { mode: 'jwt' }, /introspection\.mode/],
    ['a negative ttl', { cache: { ttl: -1 } }, /introspection\.cache\.ttl/],
    ['an unbounded cache', { cache: { maxEntries: Infinity } }, /introspection\.cache\.maxEntries/],
    ['a byte bound below 64 KiB', { cache: { maxBytes: 1024 } }, /introspection\.cache\.maxBytes/],
    ['an unknown cache member', { cache: { max: 10 } }, /introspection\.cache\.max is not an option/],
    ['a secret with private_key_jwt', { clientAuth: 'private_key_jwt' }, /clientSecret cannot be used with private_key_jwt/],
  ])('configuration: %s is refused at creation', (_name, overrides, message) => {
    expect(() => createAuthenticator(options(overrides as never))).toThrow(message)
  })

  it('configuration: several issuers need introspection.issuer', () => {
    expect(() =>
      createAuthenticator({
        issuer: [issuer.issuer, 'https://id2.example'],
        audience: issuer.audience,
        jwksUri: { [issuer.issuer]: issuer.jwksUri, 'https://id2.example': 'https://id2.example/jwks' },
        introspection: { ...issuer.introspectionClient, endpoint: issuer.introspectionEndpoint },
      }),
    ).toThrow(/introspection\.issuer is required/)
  })
})
