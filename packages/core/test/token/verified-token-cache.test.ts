import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createHmac } from 'node:crypto'
import { createAuthenticator, createRevocationStore, type FetchLike, type RequireTokenOptions, type RevocationStore } from '@portcullis/core'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { bearer, manualClock, rejection } from '../helpers.js'

const ISSUER = 'https://id.example.com/'
const AUDIENCE = 'https://api.example.com'
const JWKS = 'https://id.example.com/jwks'

/** Serves the local issuer's current keys from memory, counting fetches. */
function fakeJwks(issuer: LocalIssuer): { fetch: FetchLike; calls: number } {
  const state = { calls: 0, fetch: undefined as unknown as FetchLike }
  state.fetch = async () => {
    state.calls++
    return Response.json({ keys: issuer.keys.map((key) => key.publicJwk) })
  }
  return state
}

const SECRET = 'a-32-byte-secret-for-hs256-tests!'

/** An HS256 token built by hand: fast enough to mint tens of thousands. */
function hs256(payload: Record<string, unknown>): string {
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'at+jwt' })).toString('base64url')
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url')
  const signature = createHmac('sha256', SECRET).update(`${header}.${body}`).digest('base64url')
  return `${header}.${body}.${signature}`
}

describe('verified-token cache (keyed by token hash, bounded, never past exp)', () => {
  let issuer: LocalIssuer
  const clock = manualClock(Date.now())

  beforeAll(async () => {
    issuer = await createIssuer({ algorithms: ['ES256'], clock: () => clock.now() })
  })
  afterAll(() => issuer.close())

  const mint = (claims: Record<string, unknown> = {}, options: Parameters<LocalIssuer['mint']>[1] = {}) =>
    issuer.mint({ iss: ISSUER, aud: AUDIENCE, ...claims }, options)

  function setup(overrides: Partial<RequireTokenOptions> = {}) {
    const jwks = fakeJwks(issuer)
    const auth = createAuthenticator({
      issuer: ISSUER, audience: AUDIENCE, jwksUri: JWKS, fetch: jwks.fetch, clock: () => clock.now(), ...overrides,
      // First-use admission (every token cached at once) unless a test sets the cache itself.
      cache: overrides.cache === undefined ? { admission: 'first-use' } : overrides.cache,
    })
    return { jwks, auth }
  }

  it('is on by default and stores a verified token (by hash only)', async () => {
    const { auth } = setup()
    const token = await mint()
    await auth.authenticate(bearer(token))
    await auth.authenticate(bearer(token))
    expect(auth.cache.size).toBe(1)
    // The raw token is nowhere in the cache's reachable state.
    expect(JSON.stringify(auth.cache)).not.toContain(token.split('.')[2])
  })

  it('refuses an expired token that was cached, at exp plus tolerance by the injected clock', async () => {
    const { auth } = setup({ clockTolerance: 5 })
    const token = await mint({}, { expiresIn: 60 })
    expect((await auth.authenticate(bearer(token)))?.identity.subject).toBe('user-123')
    clock.advance(62_000) // past exp, within tolerance: still accepted, re-verified in full, not stored again
    expect((await auth.authenticate(bearer(token)))?.identity.subject).toBe('user-123')
    expect(auth.cache.size).toBe(0)
    clock.advance(4_000)
    const error = await rejection(() => auth.authenticate(bearer(token)))
    expect(error.code).toBe('invalid_token')
    expect(error.reason).toBe('expired')
  })

  it('checks maxTokenAge on a cache hit', async () => {
    const { auth } = setup({ maxTokenAge: 30, clockTolerance: 0 })
    const token = await mint({}, { expiresIn: 3600 })
    await auth.authenticate(bearer(token))
    expect(auth.cache.size).toBe(1)
    clock.advance(31_000)
    const error = await rejection(() => auth.authenticate(bearer(token)))
    expect(error.reason).toBe('expired')
    expect(error.message).toMatch(/too old/)
  })

  it('checks nbf on a cache hit (the clock stepped back) and never caches a not-yet-valid token', async () => {
    const { auth } = setup({ clockTolerance: 5 })
    const now = Math.floor(clock.now() / 1000)
    const soon = await mint({ nbf: now + 3 })
    await auth.authenticate(bearer(soon))
    expect(auth.cache.size).toBe(1)
    clock.advance(-10_000)
    expect((await rejection(() => auth.authenticate(bearer(soon)))).reason).toBe('not_yet_valid')
    clock.advance(10_000)

    const later = await mint({ nbf: now + 60 })
    for (let i = 0; i < 2; i++) expect((await rejection(() => auth.authenticate(bearer(later)))).reason).toBe('not_yet_valid')
    expect(auth.cache.size).toBe(1)
  })

  it('drops tokens whose key was removed from the JWKS, even when every request hits the cache', async () => {
    const { auth, jwks } = setup({ jwks: { cacheMaxAge: 1000 } })
    const rotated = await issuer.rotate({ alg: 'ES256' })
    const token = await mint({}, { kid: rotated.kid, expiresIn: 3600 })
    await auth.authenticate(bearer(token))
    expect(auth.cache.size).toBe(1)
    issuer.removeKey(rotated.kid)
    clock.advance(1001)
    // Served from the cache with the keys still current, as without a cache (stale-while-revalidate);
    // the hit starts the background refresh that notices the removal.
    await auth.authenticate(bearer(token))
    await new Promise((resolve) => setImmediate(resolve))
    expect(jwks.calls).toBe(2)
    expect(auth.cache.size).toBe(0)
    const error = await rejection(() => auth.authenticate(bearer(token)))
    expect(error.code).toBe('invalid_token')
  })

  it('keeps tokens of keys that stay published across a refresh', async () => {
    const { auth, jwks } = setup({ jwks: { cacheMaxAge: 1000 } })
    const token = await mint({}, { expiresIn: 3600 })
    await auth.authenticate(bearer(token))
    clock.advance(1001)
    await auth.authenticate(bearer(token))
    await new Promise((resolve) => setImmediate(resolve))
    expect(jwks.calls).toBe(2)
    expect(auth.cache.size).toBe(1)
  })

  it('never grows beyond maxEntries (10,000 distinct tokens, LRU)', async () => {
    const auth = createAuthenticator({ issuer: ISSUER, audience: AUDIENCE, secret: SECRET, clock: () => clock.now(), cache: { maxEntries: 100, admission: 'first-use' } })
    const now = Math.floor(clock.now() / 1000)
    let largest = 0
    const tokens: string[] = []
    for (let i = 0; i < 10_000; i++) {
      const token = hs256({ iss: ISSUER, aud: AUDIENCE, sub: `user-${i}`, iat: now, exp: now + 600 })
      tokens.push(token)
      await auth.authenticate(bearer(token))
      largest = Math.max(largest, auth.cache.size)
    }
    expect(largest).toBe(100)
    // The most recently used survive; using one moves it to the back of the eviction order.
    await auth.authenticate(bearer(tokens[9_900] as string))
    await auth.authenticate(bearer(hs256({ iss: ISSUER, aud: AUDIENCE, sub: 'new', iat: now, exp: now + 600 })))
    expect(auth.cache.size).toBe(100)
    expect(auth.cache.delete(tokens[9_900] as string)).toBe(true)
    expect(auth.cache.delete(tokens[9_901] as string)).toBe(false)
  })

  it("admits a token at its second use by default: tokens used once never enter the cache; 'first-use' admits at once", async () => {
    const auth = createAuthenticator({ issuer: ISSUER, audience: AUDIENCE, secret: SECRET, clock: () => clock.now(), cache: { maxEntries: 100 } })
    const now = Math.floor(clock.now() / 1000)
    const token = (sub: string) => hs256({ iss: ISSUER, aud: AUDIENCE, sub, iat: now, exp: now + 600 })
    const kept = token('kept')
    await auth.authenticate(bearer(kept))
    expect(auth.cache.size).toBe(0)
    await auth.authenticate(bearer(kept))
    expect(auth.cache.size).toBe(1)
    // A flood of distinct valid tokens, each used once, neither enters nor evicts anything.
    for (let i = 0; i < 5_000; i++) expect((await auth.authenticate(bearer(token(`once-${i}`))))?.identity.subject).toBe(`once-${i}`)
    expect(auth.cache.size).toBe(1)
    expect(auth.cache.delete(kept)).toBe(true)
    // The latest of those, used again, are verified (the answer is the same) and then admitted;
    // the oldest sightings have aged out of the filter and wait for a further use.
    for (let i = 4_950; i < 5_000; i++) expect((await auth.authenticate(bearer(token(`once-${i}`))))?.identity.subject).toBe(`once-${i}`)
    expect(auth.cache.size).toBeGreaterThan(40)
    expect(auth.cache.size).toBeLessThanOrEqual(50)
    const eager = createAuthenticator({ issuer: ISSUER, audience: AUDIENCE, secret: SECRET, clock: () => clock.now(), cache: { admission: 'first-use' } })
    await eager.authenticate(bearer(kept))
    expect(eager.cache.size).toBe(1)
    expect(() => createAuthenticator({ issuer: ISSUER, audience: AUDIENCE, secret: SECRET, cache: { admission: 'always' as never } })).toThrow(/cache\.admission/)
  })

  it('10,000 tokens in use, each used twice in turn, all enter a 10,000-entry cache (no two keep evicting each other)', async () => {
    const auth = createAuthenticator({ issuer: ISSUER, audience: AUDIENCE, secret: SECRET, clock: () => clock.now() })
    const now = Math.floor(clock.now() / 1000)
    const tokens = Array.from({ length: 10_000 }, (_, i) => hs256({ iss: ISSUER, aud: AUDIENCE, sub: `pool-${i}`, iat: now, exp: now + 600 }))
    for (let pass = 0; pass < 2; pass++) for (const token of tokens) await auth.authenticate(bearer(token))
    expect(auth.cache.size).toBeGreaterThanOrEqual(9_990)
  })

  it('never shares entries between authenticators of different audiences or issuers', async () => {
    const a = setup()
    const b = setup({ audience: 'https://other.example.com' })
    const c = setup({ issuer: 'https://other-issuer.example.com/' })
    const token = await mint()
    await a.auth.authenticate(bearer(token))
    expect((await rejection(() => b.auth.authenticate(bearer(token)))).reason).toBe('audience')
    expect((await rejection(() => c.auth.authenticate(bearer(token)))).reason).toBe('issuer')
    expect(b.auth.cache.size + c.auth.cache.size).toBe(0)
  })

  it('never stores an invalid token (no negative caching either)', async () => {
    const { auth } = setup()
    const token = await mint()
    const [h, p, s] = token.split('.') as [string, string, string]
    const forgedSignature = `${h}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`
    const forgedPayload = `${h}.${Buffer.from(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, sub: 'admin', exp: 4e9 })).toString('base64url')}.${s}`
    const wrongAudience = await mint({ aud: 'https://elsewhere.example.com' })
    for (const bad of [forgedSignature, forgedPayload, wrongAudience]) {
      for (let i = 0; i < 2; i++) expect((await rejection(() => auth.authenticate(bearer(bad)))).code).toBe('invalid_token')
    }
    expect(auth.cache.size).toBe(0)
    // The genuine token is still accepted afterwards.
    expect((await auth.authenticate(bearer(token)))?.identity.subject).toBe('user-123')
  })

  it('invalidation API: delete by token, by predicate (jti, sub, sid, client), clear', async () => {
    const { auth } = setup()
    const t1 = await mint({ sub: 'alice', jti: 'j1', sid: 's1' })
    const t2 = await mint({ sub: 'bob', jti: 'j2', sid: 's1' })
    const t3 = await mint({ sub: 'carol', jti: 'j3', client_id: 'c9' })
    for (const token of [t1, t2, t3]) await auth.authenticate(bearer(token))
    expect(auth.cache.size).toBe(3)
    expect(auth.cache.deleteWhere((claims) => claims['jti'] === 'j3')).toBe(1)
    expect(auth.cache.deleteWhere((claims, iss) => claims['sid'] === 's1' && iss === ISSUER)).toBe(2)
    expect(auth.cache.size).toBe(0)
    await auth.authenticate(bearer(t1))
    expect(auth.cache.delete(t1)).toBe(true)
    await auth.authenticate(bearer(t1))
    auth.cache.clear()
    expect(auth.cache.size).toBe(0)
  })

  it('holds an entry no longer than maxTtl', async () => {
    const { auth } = setup({ cache: { maxTtl: 10, admission: 'first-use' } })
    const token = await mint({}, { expiresIn: 3600 })
    await auth.authenticate(bearer(token))
    expect(auth.cache.size).toBe(1)
    clock.advance(10_000)
    await auth.authenticate(bearer(token)) // expired entry dropped, token re-verified and stored again
    expect(auth.cache.size).toBe(1)
  })

  it('cache: false verifies every request and stores nothing', async () => {
    const { auth } = setup({ cache: false })
    const token = await mint()
    await auth.authenticate(bearer(token))
    expect(auth.cache.size).toBe(0)
  })

  it.each([
    [{ maxEntries: 0 }, /cache.maxEntries must be an integer/],
    [{ maxEntries: 1.5 }, /cache.maxEntries must be an integer/],
    [{ maxTtl: -1 }, /cache.maxTtl must be a number/],
    [{ size: 10 }, /cache.size is not an option/],
    ['yes', /cache must be false or an object/],
    [true, /cache must be false or an object/],
  ])('refuses cache: %j', (cache, message) => {
    expect(() => setup({ cache: cache as RequireTokenOptions['cache'] })).toThrow(message)
  })

  describe('revocation still applies on a cache hit (issue 5: a revoked token is refused on a hit)', () => {
    it.each([
      ['jti', (store: RevocationStore) => store.revokeToken({ jti: 'cached-jti' })],
      ['subject', (store: RevocationStore) => store.revokeSubject('cached-user')],
      ['session', (store: RevocationStore) => store.revokeSession({ sid: 'cached-session' })],
      ['client', (store: RevocationStore) => store.revokeClient('cached-client')],
    ] as const)('revoked by %s after being cached: 401 invalid_token', async (_by, revoke) => {
      const store = createRevocationStore({ clock: () => clock.now() })
      const { auth } = setup({ revocation: { store } })
      const token = await mint({ jti: 'cached-jti', sub: 'cached-user', sid: 'cached-session', client_id: 'cached-client' })
      expect((await auth.authenticate(bearer(token)))?.identity.subject).toBe('cached-user')
      expect(auth.cache.size).toBe(1)
      await revoke(store)
      const error = await rejection(() => auth.authenticate(bearer(token)))
      expect(error.code).toBe('invalid_token')
      expect(error.status).toBe(401)
      // The refusal came from the status step on a hit: the entry is still there, still refused.
      expect(auth.cache.size).toBe(1)
      expect((await rejection(() => auth.authenticate(bearer(token)))).code).toBe('invalid_token')
    })
  })
})

describe('verified-token cache: shared state', () => {
  it('freezes cached claims, so one request cannot change what the next one with the same token sees', async () => {
    const auth = createAuthenticator({ issuer: ISSUER, audience: AUDIENCE, secret: SECRET, cache: { admission: 'first-use' } })
    const now = Math.floor(Date.now() / 1000)
    const token = hs256({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', scope: 'read', exp: now + 600, nested: { roles: ['user'] } })
    const first = await auth.authenticate(bearer(token))
    expect(() => {
      ;(first?.identity.claims as Record<string, unknown>)['scope'] = 'admin'
    }).toThrow(TypeError)
    expect(() => (first?.identity.claims['nested'] as { roles: string[] }).roles.push('admin')).toThrow(TypeError)
    // The identity object is the request's own; the arrays it shares with the next request are frozen.
    expect(() => (first?.identity.scopes as string[]).push('admin')).toThrow(TypeError)
    ;(first?.identity as { subject?: string }).subject = 'mallory'
    const second = await auth.authenticate(bearer(token))
    expect(second?.identity.scopes).toEqual(['read'])
    expect(second?.identity.subject).toBe('alice')
    expect(second?.identity.claims['scope']).toBe('read')
  })

})
