import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createAuthenticator, type Authenticator } from '@portcullis/core'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { bearer, rejection } from '../helpers.js'

describe('Identity', () => {
  let issuer: LocalIssuer
  let auth: Authenticator
  beforeAll(async () => {
    issuer = await createIssuer()
    auth = createAuthenticator({ issuer: issuer.issuer, audience: [issuer.audience, 'https://other.example'] })
  })
  afterAll(() => issuer.close())

  it('each request with a cached token gets its own identity object; what requests share is frozen', async () => {
    const token = await issuer.mint({ sub: 'carol', scope: 'a b', amr: ['pwd'], act: { sub: 'svc' }, auth_time: Math.floor(Date.now() / 1000) - 5 })
    const first = (await auth.authenticate(bearer(token)))?.identity
    const second = (await auth.authenticate(bearer(token)))?.identity
    if (first === undefined || second === undefined) throw new Error('expected identities')
    expect(second).not.toBe(first)
    expect(second).toEqual(first)
    // A handler that writes to its request's identity changes nothing for the next request.
    ;(first as { subject?: string }).subject = 'mallory'
    first.expiresAt?.setTime(0)
    first.authTime?.setTime(0)
    const third = (await auth.authenticate(bearer(token)))?.identity
    expect(third?.subject).toBe('carol')
    expect(third?.expiresAt?.getTime()).toBeGreaterThan(Date.now())
    expect(third?.authTime?.getTime()).toBeGreaterThan(0)
    // Shared parts cannot be changed in place.
    for (const shared of [second.scopes, second.audience, second.actor, second.actor[0], second.amr, second.claims]) {
      expect(Object.isFrozen(shared)).toBe(true)
    }
    expect(() => (second.scopes as string[]).push('admin')).toThrow(TypeError)
    expect(third?.scopes).toEqual(['a', 'b'])
  })

  it('maps the token claims to typed fields', async () => {
    const now = Math.floor(Date.now() / 1000)
    const token = await issuer.mint({
      sub: 'alice',
      aud: [issuer.audience, 'https://third.example'],
      scope: 'orders:read  orders:write orders:read',
      scp: ['profile'],
      permissions: ['admin'],
      acr: 'urn:mace:incommon:iap:silver',
      amr: ['pwd', 'otp'],
      auth_time: now - 100,
      act: { sub: 'service-a', act: { sub: 'service-b', iss: 'https://id.example' } },
    })
    const identity = (await auth.authenticate(bearer(token)))?.identity
    expect(identity).toMatchObject({
      subject: 'alice',
      issuer: issuer.issuer,
      audience: [issuer.audience, 'https://third.example'],
      clientId: 'test-client',
      scopes: ['orders:read', 'orders:write', 'profile', 'admin'],
      tokenType: 'jwt',
      confirmation: undefined,
      actor: [{ subject: 'service-a' }, { subject: 'service-b', issuer: 'https://id.example' }],
      acr: 'urn:mace:incommon:iap:silver',
      amr: ['pwd', 'otp'],
    })
    expect(identity?.authTime?.getTime()).toBe((now - 100) * 1000)
    expect(identity?.expiresAt).toBeInstanceOf(Date)
    expect(identity?.claims['sub']).toBe('alice')
  })

  it.each([
    [{ scope: 42 }],
    [{ scope: 'a "b"' }],
    [{ scp: [1] }],
    [{ permissions: 'admin' }],
    [{ sub: 7 }],
    [{ client_id: ['x'] }],
    [{ amr: 'pwd' }],
    [{ cnf: 'x' }],
    [{ cnf: { jkt: 'thumb' } }],
    [{ act: 'svc' }],
    [{ auth_time: '2026-01-01' }],
  ])('refuses a token whose claims have the wrong type: %j', async (claims) => {
    const error = await rejection(async () => auth.authenticate(bearer(await issuer.mint(claims))))
    expect(error.code).toBe('invalid_token')
  })

  it('refuses an actor chain nested beyond 16 levels', async () => {
    let act: Record<string, unknown> = { sub: 'leaf' }
    for (let i = 0; i < 20; i++) act = { sub: `a${i}`, act }
    const error = await rejection(async () => auth.authenticate(bearer(await issuer.mint({ act }))))
    expect(error.message).toMatch(/nested too deeply/)
  })
})
