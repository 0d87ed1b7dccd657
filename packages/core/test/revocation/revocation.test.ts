import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createAuthenticator, createRevocationStore, type AuditEvent, type RevocationStore } from '@portcullis/core'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { bearer, manualClock, rejection } from '../helpers.js'

const NOW = Date.UTC(2030, 0, 15, 12, 0, 0)

describe('revocation at the resource server (RFC 7009 §2.1, §3)', () => {
  let issuer: LocalIssuer
  const clock = manualClock(NOW)
  beforeAll(async () => {
    issuer = await createIssuer({ clock: clock.now })
  })
  afterAll(() => issuer.close())

  function setup(store: RevocationStore = createRevocationStore({ clock: clock.now })) {
    const events: AuditEvent[] = []
    const auth = createAuthenticator({
      issuer: issuer.issuer,
      audience: issuer.audience,
      jwksUri: issuer.jwksUri,
      clock: clock.now,
      audit: (event) => {
        events.push(event)
      },
      revocation: { store },
      introspection: { endpoint: issuer.introspectionEndpoint, ...issuer.introspectionClient },
    })
    return { auth, store, events }
  }

  async function expectRevoked(auth: ReturnType<typeof setup>['auth'], events: AuditEvent[], token: string): Promise<void> {
    events.length = 0
    const error = await rejection(() => auth.authenticate(bearer(token)))
    expect({ status: error.status, code: error.code, reason: error.reason }).toEqual({ status: 401, code: 'invalid_token', reason: 'revoked' })
    expect(error.headers['WWW-Authenticate']).toBe('Bearer realm="api", error="invalid_token", error_description="The access token was revoked"')
    expect(events.map((e) => e.event)).toEqual(['authn_token_reuse'])
    expect(JSON.stringify(events)).not.toContain(token)
  }

  it('by jti: only that token is refused, with an authn_token_reuse audit event', async () => {
    const { auth, store, events } = setup()
    const token = await issuer.mint({ jti: 'jti-1' })
    const other = await issuer.mint({ jti: 'jti-2' })
    await auth.authenticate(bearer(token))
    await store.revokeToken({ jti: 'jti-1', expiresAt: new Date(NOW + 300_000) })
    await expectRevoked(auth, events, token)
    expect((await auth.authenticate(bearer(other)))?.identity.subject).toBe('user-123')
  })

  it('by subject: tokens issued at or before the revocation are refused, later ones pass, no iat fails closed', async () => {
    const { auth, store, events } = setup()
    const before = await issuer.mint({ sub: 'alice' })
    const noIat = await issuer.mint({ sub: 'alice' }, { omit: ['iat'] })
    await store.revokeSubject('alice')
    await expectRevoked(auth, events, before)
    await expectRevoked(auth, events, noIat)
    clock.advance(1000)
    const after = await issuer.mint({ sub: 'alice' })
    expect((await auth.authenticate(bearer(after)))?.identity.subject).toBe('alice')
    expect((await auth.authenticate(bearer(await issuer.mint({ sub: 'bob' }))))?.identity.subject).toBe('bob')
  })

  it('by session (sid) and by client', async () => {
    const { auth, store, events } = setup()
    await store.revokeSession({ sid: 'session-9' })
    await expectRevoked(auth, events, await issuer.mint({ sid: 'session-9' }))
    expect((await auth.authenticate(bearer(await issuer.mint({ sid: 'session-8' }))))?.identity).toBeDefined()
    await store.revokeClient('rogue-client')
    await expectRevoked(auth, events, await issuer.mint({ client_id: 'rogue-client' }))
    expect((await auth.authenticate(bearer(await issuer.mint({ client_id: 'good-client' }))))?.identity).toBeDefined()
  })

  it('scoped to an issuer: a revocation for another issuer does not apply', async () => {
    const { auth, store } = setup()
    await store.revokeToken({ jti: 'jti-x', issuer: 'https://other-issuer.example' })
    expect((await auth.authenticate(bearer(await issuer.mint({ jti: 'jti-x' }))))?.identity).toBeDefined()
    await store.revokeToken({ jti: 'jti-x', issuer: issuer.issuer })
    const token = await issuer.mint({ jti: 'jti-x' })
    expect((await rejection(() => auth.authenticate(bearer(token)))).reason).toBe('revoked')
  })

  it('RFC 7662 §4: cached introspection results are checked too (by jti and by token value)', async () => {
    const { auth, store, events } = setup()
    const opaque = issuer.opaqueToken({ jti: 'opaque-jti' })
    const another = issuer.opaqueToken({}, { omit: ['jti'] })
    await auth.authenticate(bearer(opaque))
    await auth.authenticate(bearer(another))
    await store.revokeToken({ jti: 'opaque-jti' })
    await store.revokeToken({ token: another })
    await expectRevoked(auth, events, opaque)
    await expectRevoked(auth, events, another)
  })

  it('fail closed: a failing or hanging store -> 503, never a pass', async () => {
    const failing: RevocationStore = {
      ...createRevocationStore(),
      check: () => Promise.reject(new Error('redis down')),
    }
    const { auth } = setup(failing)
    const token = await issuer.mint()
    const error = await rejection(() => auth.authenticate(bearer(token)))
    expect({ status: error.status, code: error.code }).toEqual({ status: 503, code: 'temporarily_unavailable' })
    const hanging: RevocationStore = { ...createRevocationStore(), check: () => new Promise(() => undefined) }
    const slow = createAuthenticator({
      issuer: issuer.issuer,
      audience: issuer.audience,
      jwksUri: issuer.jwksUri,
      clock: clock.now,
      revocation: { store: hanging, timeout: 50 },
    })
    expect((await rejection(() => slow.authenticate(bearer(token)))).status).toBe(503)
  })

  describe('the in-memory store', () => {
    it('entries expire with the token: a jti entry is forgotten at its expiresAt', async () => {
      const local = manualClock(NOW)
      const store = createRevocationStore({ clock: local.now })
      await store.revokeToken({ jti: 'a', expiresAt: new Date(NOW + 10_000) })
      const query = { issuer: 'https://id.example', tokenHash: 'h', jti: 'a' }
      expect(await store.check(query)).toBe('jti')
      local.advance(10_000)
      expect(await store.check(query)).toBeUndefined()
    })

    it('subject entries live maxTokenLifetime after their cut-off; the latest cut-off wins', async () => {
      const local = manualClock(NOW)
      const store = createRevocationStore({ clock: local.now, maxTokenLifetime: 60 })
      await store.revokeSubject('alice', { before: new Date(NOW) })
      await store.revokeSubject('alice', { before: new Date(NOW - 30_000) })
      const query = { issuer: 'https://id.example', tokenHash: 'h', subject: 'alice', issuedAt: NOW / 1000 }
      expect(await store.check(query)).toBe('subject')
      expect(await store.check({ ...query, issuedAt: NOW / 1000 + 1 })).toBeUndefined()
      local.advance(60_000)
      expect(await store.check({ ...query, issuedAt: undefined })).toBeUndefined()
    })

    it('is bounded: expired entries make room, and a full store refuses rather than forgets', async () => {
      const local = manualClock(NOW)
      const store = createRevocationStore({ clock: local.now, maxEntries: 2 })
      await store.revokeToken({ jti: 'a', expiresAt: new Date(NOW + 1000) })
      await store.revokeToken({ jti: 'b', expiresAt: new Date(NOW + 5000) })
      await expect(store.revokeToken({ jti: 'c' })).rejects.toThrow(/full/)
      local.advance(1000)
      await store.revokeToken({ jti: 'c' })
      expect(await store.check({ issuer: 'i', tokenHash: 'h', jti: 'b' })).toBe('jti')
      expect(await store.check({ issuer: 'i', tokenHash: 'h', jti: 'c' })).toBe('jti')
    })

    it('validates its input', async () => {
      const store = createRevocationStore()
      await expect(store.revokeSubject('')).rejects.toThrow(TypeError)
      await expect(store.revokeToken({} as never)).rejects.toThrow(TypeError)
      await expect(store.revokeSession({ sid: 's', expiresAt: new Date('x') })).rejects.toThrow(TypeError)
      expect(() => createRevocationStore({ maxEntries: 0 })).toThrow(/maxEntries/)
      expect(() => createRevocationStore({ maxTokenLifetime: -1 })).toThrow(/maxTokenLifetime/)
      expect(() => createRevocationStore({ maxTokenLifeTime: 60 } as never)).toThrow(/maxTokenLifeTime is not an option/)
    })
  })

  it('configuration: revocation needs a store', () => {
    const base = { issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri }
    expect(() => createAuthenticator({ ...base, revocation: {} as never })).toThrow(/revocation\.store must be a RevocationStore/)
    expect(() => createAuthenticator({ ...base, revocation: { store: createRevocationStore(), timeout: 0 } })).toThrow(/revocation\.timeout/)
  })
})
