import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose'
import { SIGNING_ALGORITHMS, createIssuer, generateSigningKey } from '@portcullis/testing'
import type { LocalIssuer } from '@portcullis/testing'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/** Verifies like a resource server would: fresh remote JWKS, so no cache hides a change. */
function verifyWith(issuer: LocalIssuer, token: string, algorithms = [...SIGNING_ALGORITHMS] as string[]) {
  return jwtVerify(token, createRemoteJWKSet(new URL(issuer.jwksUri)), {
    issuer: issuer.issuer,
    audience: issuer.audience,
    algorithms,
  })
}

async function getJson(url: string): Promise<{ status: number; headers: Headers; body: unknown }> {
  const res = await fetch(url)
  return { status: res.status, headers: res.headers, body: await res.json() }
}

describe('createIssuer with all ten algorithms', () => {
  let issuer: LocalIssuer
  beforeAll(async () => {
    issuer = await createIssuer({ algorithms: [...SIGNING_ALGORITHMS] })
  })
  afterAll(() => issuer.close())

  it('publishes one key per algorithm on loopback', () => {
    expect(issuer.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(issuer.issuer).toBe(issuer.origin)
    expect(issuer.keys.map((k) => k.alg)).toEqual([...SIGNING_ALGORITHMS])
  })

  it.each([...SIGNING_ALGORITHMS])('%s: minted token verifies with jose against the remote JWKS', async (alg) => {
    const token = await issuer.mint({ scope: 'orders:read' }, { alg })
    const key = issuer.keys.find((k) => k.alg === alg)!
    const { payload, protectedHeader } = await jwtVerify(token, createRemoteJWKSet(new URL(issuer.jwksUri)), {
      issuer: issuer.issuer,
      audience: 'https://api.example.test',
      algorithms: [alg],
      typ: 'at+jwt',
    })
    expect(protectedHeader).toEqual({ alg, typ: 'at+jwt', kid: key.kid })
    expect(payload).toMatchObject({ iss: issuer.issuer, aud: issuer.audience, sub: 'user-123', client_id: 'test-client', scope: 'orders:read' })
    expect(payload.exp! - payload.iat!).toBe(300)
    expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(5)
    expect(payload.jti).toMatch(UUID)
  })

  it('signs with the first algorithm by default', async () => {
    expect(decodeProtectedHeader(await issuer.mint()).alg).toBe('RS256')
  })

  it('omits scope unless given and uses a fresh jti per token', async () => {
    const a = decodeJwt(await issuer.mint())
    const b = decodeJwt(await issuer.mint())
    expect(a).not.toHaveProperty('scope')
    expect(a.jti).not.toBe(b.jti)
  })
})

describe('mint options', () => {
  let issuer: LocalIssuer
  const now = Date.UTC(2030, 0, 1, 12, 0, 0)
  beforeAll(async () => {
    issuer = await createIssuer({ algorithms: ['ES256', 'RS256'], audience: 'urn:test:api', tokenLifetime: 60, clock: () => now })
  })
  afterAll(() => issuer.close())

  it('uses the clock, audience and lifetime', async () => {
    const claims = decodeJwt(await issuer.mint())
    expect(claims).toMatchObject({ aud: 'urn:test:api', iat: now / 1000, exp: now / 1000 + 60 })
  })

  it('overrides, extends and removes claims', async () => {
    const claims = decodeJwt(await issuer.mint({ sub: 'alice', client_id: undefined, roles: ['admin'], aud: ['a', 'b'] }))
    expect(claims.sub).toBe('alice')
    expect(claims.aud).toEqual(['a', 'b'])
    expect(claims.roles).toEqual(['admin'])
    expect(claims).not.toHaveProperty('client_id')
  })

  it('omits default claims listed in omit', async () => {
    const claims = decodeJwt(await issuer.mint({}, { omit: ['exp', 'aud', 'jti'] }))
    expect(Object.keys(claims).sort()).toEqual(['client_id', 'iat', 'iss', 'sub'])
  })

  it('sets expiresIn, including already expired tokens', async () => {
    expect(decodeJwt(await issuer.mint({}, { expiresIn: 3600 })).exp).toBe(now / 1000 + 3600)
    const live = await createIssuer()
    try {
      const expired = await live.mint({}, { expiresIn: -120 })
      await expect(verifyWith(live, expired)).rejects.toBeInstanceOf(errors.JWTExpired)
    } finally {
      await live.close()
    }
  })

  it('controls typ and the protected header', async () => {
    expect(decodeProtectedHeader(await issuer.mint({}, { typ: null }))).not.toHaveProperty('typ')
    expect(decodeProtectedHeader(await issuer.mint({}, { typ: 'JWT' })).typ).toBe('JWT')
    const header = decodeProtectedHeader(
      await issuer.mint({}, { header: { kid: '../../etc/passwd', crit: ['x'], x: 1, typ: 'application/at+jwt' } }),
    )
    expect(header).toEqual({ alg: 'ES256', typ: 'application/at+jwt', kid: '../../etc/passwd', crit: ['x'], x: 1 })
    expect(decodeProtectedHeader(await issuer.mint({}, { header: { kid: undefined } }))).not.toHaveProperty('kid')
  })

  it('writes an overriding header alg verbatim but signs with the key algorithm', async () => {
    const token = await issuer.mint({}, { header: { alg: 'none' } })
    expect(decodeProtectedHeader(token).alg).toBe('none')
    expect(token.split('.')[2]!.length).toBeGreaterThan(0)
  })

  it('picks keys by alg and kid, and signs with an unpublished key', async () => {
    const rsa = issuer.keys.find((k) => k.alg === 'RS256')!
    expect(decodeProtectedHeader(await issuer.mint({}, { alg: 'RS256' })).kid).toBe(rsa.kid)
    expect(decodeProtectedHeader(await issuer.mint({}, { kid: rsa.kid })).alg).toBe('RS256')
    await expect(issuer.mint({}, { kid: 'nope' })).rejects.toThrow(/no key with kid "nope"/)

    const rogue = await generateSigningKey('ES256', { kid: 'rogue' })
    const live = await createIssuer({ algorithms: ['ES256'] })
    try {
      const forged = await live.mint({}, { key: rogue })
      expect(decodeProtectedHeader(forged).kid).toBe('rogue')
      await expect(verifyWith(live, forged)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey)
    } finally {
      await live.close()
    }
  })

  it('generates and publishes a key for an algorithm it did not start with', async () => {
    expect(issuer.keys.some((k) => k.alg === 'EdDSA')).toBe(false)
    const [a, b] = await Promise.all([issuer.mint({}, { alg: 'EdDSA' }), issuer.mint({}, { alg: 'EdDSA' })])
    const eddsa = issuer.keys.filter((k) => k.alg === 'EdDSA')
    expect(eddsa).toHaveLength(1) // concurrent mints share one new key
    expect(decodeProtectedHeader(a!).kid).toBe(eddsa[0]!.kid)
    expect(decodeProtectedHeader(b!).kid).toBe(eddsa[0]!.kid)
  })

  it('token() joins scopes', async () => {
    expect(decodeJwt(await issuer.token(['a:read', 'b:write'], { sub: 'bob' }))).toMatchObject({ scope: 'a:read b:write', sub: 'bob' })
    expect(decodeJwt(await issuer.token('x')).scope).toBe('x')
  })

  it('rejects invalid options', async () => {
    await expect(issuer.mint({}, { expiresIn: Number.NaN })).rejects.toThrow(/expiresIn/)
    await expect(issuer.mint({}, { alg: 'HS256' as never })).rejects.toThrow(/must be one of/)
  })
})

describe('key management', () => {
  let issuer: LocalIssuer
  beforeAll(async () => {
    issuer = await createIssuer()
  })
  afterAll(() => issuer.close())

  async function publishedKids(): Promise<string[]> {
    const { body } = await getJson(issuer.jwksUri)
    return (body as { keys: Array<{ kid: string }> }).keys.map((k) => k.kid)
  }

  it('rotate publishes the new kid, keeps the old one and signs with the new one', async () => {
    const old = issuer.keys[0]!
    const oldToken = await issuer.mint()
    const fresh = await issuer.rotate()
    expect(fresh.alg).toBe('RS256')
    expect(fresh.kid).not.toBe(old.kid)
    expect(await publishedKids()).toEqual([old.kid, fresh.kid])
    const newToken = await issuer.mint()
    expect(decodeProtectedHeader(newToken).kid).toBe(fresh.kid)
    await expect(verifyWith(issuer, newToken)).resolves.toBeDefined()
    await expect(verifyWith(issuer, oldToken)).resolves.toBeDefined()
  })

  it('rotate with keepPrevious: false unpublishes the replaced key', async () => {
    const before = decodeProtectedHeader(await issuer.mint()).kid!
    const fresh = await issuer.rotate({ keepPrevious: false })
    const kids = await publishedKids()
    expect(kids).toContain(fresh.kid)
    expect(kids).not.toContain(before)
  })

  it('rotate can add another algorithm', async () => {
    const es = await issuer.rotate({ alg: 'ES384' })
    expect(decodeProtectedHeader(await issuer.mint({}, { alg: 'ES384' })).kid).toBe(es.kid)
    expect(decodeProtectedHeader(await issuer.mint()).alg).toBe('RS256')
  })

  it('removeKey unpublishes a key; its tokens stop verifying', async () => {
    const victim = await issuer.rotate()
    const token = await issuer.mint()
    expect(decodeProtectedHeader(token).kid).toBe(victim.kid)
    issuer.removeKey(victim.kid)
    expect(await publishedKids()).not.toContain(victim.kid)
    expect(issuer.keys.map((k) => k.kid)).not.toContain(victim.kid)
    await expect(verifyWith(issuer, token)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey)
    await expect(issuer.mint({}, { kid: victim.kid })).rejects.toThrow(/no key/)
    // The newest remaining RS256 key takes over signing.
    expect(decodeProtectedHeader(await issuer.mint()).kid).toBe(issuer.keys.filter((k) => k.alg === 'RS256').at(-1)!.kid)
    expect(() => issuer.removeKey(victim.kid)).toThrow(/no key/)
  })

  it('addKey publishes, optionally hides, and optionally makes current', async () => {
    const hidden = await generateSigningKey('RS256', { kid: 'hidden' })
    issuer.addKey(hidden, { publish: false })
    expect(await publishedKids()).not.toContain('hidden')
    const token = await issuer.mint({}, { kid: 'hidden' })
    await expect(verifyWith(issuer, token)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey)

    const shown = await generateSigningKey('RS256', { kid: 'shown' })
    issuer.addKey(shown, { current: true })
    expect(await publishedKids()).toContain('shown')
    expect(decodeProtectedHeader(await issuer.mint()).kid).toBe('shown')
    expect(() => issuer.addKey(shown)).toThrow(/already holds/)
  })
})

describe('discovery documents', () => {
  it.each([
    ['without a path', undefined, ''],
    ['with a path', '/tenant1/', '/tenant1'],
  ])('%s: serves RFC 8414 and OpenID metadata', async (_label, path, expectedPath) => {
    const issuer = await createIssuer({ path, algorithms: ['ES256', 'EdDSA'] })
    try {
      expect(issuer.issuer).toBe(`${issuer.origin}${expectedPath}`)
      expect(issuer.jwksUri).toBe(`${issuer.origin}${expectedPath}/jwks`)
      const expected = {
        issuer: issuer.issuer,
        jwks_uri: issuer.jwksUri,
        token_endpoint: `${issuer.issuer}/token`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['ES256', 'EdDSA'],
        token_endpoint_auth_methods_supported: ['client_secret_basic'],
        introspection_endpoint: `${issuer.issuer}/introspect`,
        introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      }
      for (const url of [
        `${issuer.origin}/.well-known/oauth-authorization-server${expectedPath}`,
        `${issuer.issuer}/.well-known/openid-configuration`,
      ]) {
        const res = await getJson(url)
        expect(res.status).toBe(200)
        expect(res.headers.get('content-type')).toBe('application/json')
        expect(res.body).toEqual(expected)
      }
      expect(issuer.metadata).toEqual(expected)
      const jwks = await getJson(issuer.jwksUri)
      expect(jwks.headers.get('cache-control')).toBe('max-age=300')
      expect(jwks.body).toEqual({ keys: issuer.keys.map((k) => k.publicJwk) })
      if (expectedPath !== '') {
        // The well-known documents exist only at the issuer's own locations.
        expect((await fetch(`${issuer.origin}/.well-known/openid-configuration`)).status).toBe(404)
        expect((await fetch(`${issuer.origin}/jwks`)).status).toBe(404)
      }
    } finally {
      await issuer.close()
    }
  })

  it('answers 404 JSON for anything else and 405 for other methods', async () => {
    const issuer = await createIssuer()
    try {
      // The token endpoint only answers POST (RFC 8693 token exchange).
      const token = await getJson(`${issuer.issuer}/token`)
      expect(token).toMatchObject({ status: 405, body: { error: 'method_not_allowed' } })
      expect((await fetch(`${issuer.origin}/nope?x=1`)).status).toBe(404)
      const post = await fetch(issuer.jwksUri, { method: 'POST', body: '{}' })
      expect(post.status).toBe(405)
      expect(post.headers.get('allow')).toBe('GET, HEAD')
      expect((await fetch(`${issuer.jwksUri}?cache=bust`)).status).toBe(200)
    } finally {
      await issuer.close()
    }
  })
})

describe('createIssuer options', () => {
  it('refuses non-loopback hosts, bad paths and bad settings', async () => {
    await expect(createIssuer({ host: '0.0.0.0' })).rejects.toThrow(/loopback/)
    await expect(createIssuer({ host: '192.168.1.10' })).rejects.toThrow(/loopback/)
    await expect(createIssuer({ path: 'tenant' })).rejects.toThrow(/path/)
    await expect(createIssuer({ path: '/a?b' })).rejects.toThrow(/path/)
    await expect(createIssuer({ algorithms: [] })).rejects.toThrow(/at least one/)
    await expect(createIssuer({ tokenLifetime: 0 })).rejects.toThrow(/tokenLifetime/)
    await expect(createIssuer({ audience: '' })).rejects.toThrow(/audience/)
  })

  it('listens on ::1 when asked', async () => {
    const issuer = await createIssuer({ host: '::1' })
    try {
      expect(issuer.origin).toMatch(/^http:\/\/\[::1\]:\d+$/)
      await expect(verifyWith(issuer, await issuer.mint())).resolves.toBeDefined()
    } finally {
      await issuer.close()
    }
  })

  it('close() is idempotent', async () => {
    const issuer = await createIssuer()
    await issuer.close()
    await expect(issuer.close()).resolves.toBeUndefined()
    await expect(fetch(issuer.jwksUri)).rejects.toThrow()
  })
})
