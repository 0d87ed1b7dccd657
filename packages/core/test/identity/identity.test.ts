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
