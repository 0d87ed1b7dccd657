/** Revocation at the resource server over real HTTP, for every adapter (RFC 7009 §2.1, §3). */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createRevocationStore, type RequireTokenOptions, type RevocationStore } from '@portcullis/core'
import { createIssuer, ecdsaTwin, type LocalIssuer } from '@portcullis/testing'
import { NOW } from './helpers.js'
import { expectInvalidToken, expectUnavailable, lifecycleApps, type LifecycleHarness } from './lifecycle-harness.js'
import type { AdapterUnderTest } from './suite.js'

export function runRevocationScenarios(adapter: AdapterUnderTest): void {
  describe('revocation over HTTP', () => {
    let issuer: LocalIssuer
    const start = lifecycleApps(adapter)
    beforeAll(async () => {
      issuer = await createIssuer({ clock: () => NOW })
    })
    afterAll(() => issuer.close())

    function options(store: RevocationStore): RequireTokenOptions {
      return {
        issuer: issuer.issuer,
        audience: issuer.audience,
        jwksUri: issuer.jwksUri,
        clock: () => NOW,
        revocation: { store },
        introspection: { endpoint: issuer.introspectionEndpoint, ...issuer.introspectionClient },
      }
    }

    async function expectRevoked(h: LifecycleHarness, token: string): Promise<void> {
      const res = await h.get(token)
      expectInvalidToken(res, h)
      expect(res.headers['www-authenticate']).toContain('error_description="The access token was revoked"')
      expect(h.events.map((e) => e.event)).toEqual(['authn_token_reuse'])
      expect(h.events[0]?.token_fingerprint).toMatch(/^[0-9a-f]{16}$/)
    }

    it.each([
      ['jti', (s: RevocationStore) => s.revokeToken({ jti: 'revoked-jti' }), { jti: 'revoked-jti' }],
      ['subject', (s: RevocationStore) => s.revokeSubject('mallory', { before: new Date(NOW) }), { sub: 'mallory' }],
      ['session (sid)', (s: RevocationStore) => s.revokeSession({ sid: 'sess-1' }), { sid: 'sess-1' }],
      ['client', (s: RevocationStore) => s.revokeClient('bad-client', { before: new Date(NOW) }), { client_id: 'bad-client' }],
    ])('revoked by %s -> 401 invalid_token + authn_token_reuse audit event', async (_name, revoke, claims) => {
      const store = createRevocationStore({ clock: () => NOW })
      const h = await start(options(store))
      const token = await issuer.mint(claims)
      expect((await h.get(token)).status).toBe(200)
      await revoke(store)
      await expectRevoked(h, token)
      expect((await h.get(await issuer.mint())).status).toBe(200)
    })

    it('revoked by token value (no jti) -> its ECDSA twin (r, n - s), a valid signature too, is refused', async () => {
      const store = createRevocationStore({ clock: () => NOW })
      const h = await start(options(store))
      const token = await issuer.mint({ sub: 'mallory' }, { alg: 'ES256', omit: ['jti'] })
      const twin = ecdsaTwin(token)
      expect(twin).not.toBe(token)
      expect((await h.get(twin)).status).toBe(200)
      await store.revokeToken({ token })
      await expectRevoked(h, token)
      const fingerprint = h.events[0]?.token_fingerprint
      await expectRevoked(h, twin)
      // One token, one audit fingerprint, whichever spelling was presented.
      expect(h.events[0]?.token_fingerprint).toBe(fingerprint)
    })

    it('a subject revocation refuses a token without iat (fail closed)', async () => {
      const store = createRevocationStore({ clock: () => NOW })
      await store.revokeSubject('mallory', { before: new Date(NOW) })
      const h = await start(options(store))
      await expectRevoked(h, await issuer.mint({ sub: 'mallory' }, { omit: ['iat'] }))
    })

    it('RFC 7662 §4: a cached introspection result is checked too', async () => {
      const store = createRevocationStore({ clock: () => NOW })
      const h = await start(options(store))
      const opaque = issuer.opaqueToken({ jti: 'opaque-1' })
      expect((await h.get(opaque)).status).toBe(200)
      await store.revokeToken({ jti: 'opaque-1' })
      await expectRevoked(h, opaque)
    })

    it('fail closed: an unreachable revocation store -> 503, never a pass', async () => {
      const broken: RevocationStore = { ...createRevocationStore(), check: () => Promise.reject(new Error('connection refused')) }
      const h = await start(options(broken))
      expectUnavailable(await h.get(await issuer.mint()), h)
    })
  })
}
