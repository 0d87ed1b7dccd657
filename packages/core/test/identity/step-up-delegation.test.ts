import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createAuthenticationRequirement, createAuthenticator, type RequireTokenOptions } from '@portcullis/core'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { bearer, rejection } from '../helpers.js'

const NOW = Date.UTC(2030, 0, 15, 12, 0, 0)
const NOW_S = NOW / 1000

describe('step-up (RFC 9470) and delegation (RFC 8693)', () => {
  let issuer: LocalIssuer
  beforeAll(async () => {
    issuer = await createIssuer({ clock: () => NOW })
  })
  afterAll(() => issuer.close())

  function auth(overrides: Partial<RequireTokenOptions>) {
    return createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri, clock: () => NOW, ...overrides })
  }

  describe('step-up', () => {
    it('RFC 9470 §3, §6.1: acr not acceptable -> 401 insufficient_user_authentication with acr_values', async () => {
      const a = auth({ acr: ['urn:example:mfa', 'urn:example:hw'] })
      const error = await rejection(async () => a.authenticate(bearer(await issuer.mint({ acr: 'urn:example:pwd' }))))
      expect({ status: error.status, code: error.code }).toEqual({ status: 401, code: 'insufficient_user_authentication' })
      expect(error.headers['WWW-Authenticate']).toBe(
        'Bearer realm="api", error="insufficient_user_authentication", error_description="A stronger authentication is required", acr_values="urn:example:mfa urn:example:hw"',
      )
      const missing = await rejection(async () => a.authenticate(bearer(await issuer.mint())))
      expect(missing.code).toBe('insufficient_user_authentication')
      expect((await a.authenticate(bearer(await issuer.mint({ acr: 'urn:example:hw' }))))?.identity.acr).toBe('urn:example:hw')
    })

    it('RFC 9470 §3: auth_time older than maxAge -> 401 with max_age; no auth_time -> step-up required', async () => {
      const a = auth({ maxAge: 300 })
      const old = await rejection(async () => a.authenticate(bearer(await issuer.mint({ auth_time: NOW_S - 301 }))))
      expect(old.headers['WWW-Authenticate']).toBe(
        'Bearer realm="api", error="insufficient_user_authentication", error_description="A more recent authentication is required", max_age="300"',
      )
      const none = await rejection(async () => a.authenticate(bearer(await issuer.mint())))
      expect(none.code).toBe('insufficient_user_authentication')
      expect((await a.authenticate(bearer(await issuer.mint({ auth_time: NOW_S - 300 }))))?.identity).toBeDefined()
    })

    it('RFC 9470 §3: acr and maxAge together are both named in the challenge', async () => {
      const a = auth({ acr: 'urn:example:mfa', maxAge: 60 })
      const error = await rejection(async () => a.authenticate(bearer(await issuer.mint({ acr: 'urn:example:mfa', auth_time: NOW_S - 61 }))))
      expect(error.headers['WWW-Authenticate']).toMatch(/acr_values="urn:example:mfa", max_age="60"$/)
    })

    it('RFC 9470 §6.2: acr and auth_time of an introspection response are evaluated the same way', async () => {
      const a = auth({ acr: 'urn:example:mfa', maxAge: 60, introspection: { endpoint: issuer.introspectionEndpoint, ...issuer.introspectionClient } })
      const ok = issuer.opaqueToken({ acr: 'urn:example:mfa', auth_time: NOW_S - 10 })
      expect((await a.authenticate(bearer(ok)))?.identity.tokenType).toBe('opaque')
      const weak = issuer.opaqueToken({ acr: 'urn:example:pwd', auth_time: NOW_S - 10 })
      expect((await rejection(() => a.authenticate(bearer(weak)))).code).toBe('insufficient_user_authentication')
    })

    it('RFC 9470 §9: an invalid token is refused as invalid_token before any step-up requirement is revealed', async () => {
      const a = auth({ acr: 'urn:example:mfa' })
      const error = await rejection(async () => a.authenticate(bearer(await issuer.mint({ acr: 'x' }, { expiresIn: -60 }))))
      expect(error.code).toBe('invalid_token')
      expect(error.headers['WWW-Authenticate']).not.toContain('acr_values')
    })


    it.each([
      [{ acr: [] }, /acr must be/],
      [{ acr: ['two words'] }, /acr must be/],
      [{ acr: ['a"b'] }, /acr must be/],
      [{ maxAge: -1 }, /maxAge must be/],
      [{ maxAge: 1.5 }, /maxAge must be/],
    ])('configuration: %j is refused', (options, message) => {
      expect(() => auth(options as never)).toThrow(message)
      expect(() => createAuthenticationRequirement(options as never)).toThrow(message)
    })

    it('configuration: requireAuthentication needs acr or maxAge', () => {
      expect(() => createAuthenticationRequirement({})).toThrow(/needs acr or maxAge/)
    })
  })

  describe('delegation', () => {
    const delegated = { act: { sub: 'gateway', act: { sub: 'mobile-app' } } }

    it('RFC 8693 §4.1: the actor chain is exposed, current actor first', async () => {
      const identity = (await auth({}).authenticate(bearer(await issuer.mint(delegated))))?.identity
      expect(identity?.actor).toEqual([{ subject: 'gateway' }, { subject: 'mobile-app' }])
    })

    it('allow: false refuses delegated tokens (401 invalid_token); plain tokens pass', async () => {
      const a = auth({ delegation: { allow: false } })
      const error = await rejection(async () => a.authenticate(bearer(await issuer.mint(delegated))))
      expect({ status: error.status, code: error.code, reason: error.reason }).toEqual({ status: 401, code: 'invalid_token', reason: 'delegation' })
      expect((await a.authenticate(bearer(await issuer.mint())))?.identity.actor).toEqual([])
    })

    it('maxDepth caps the chain', async () => {
      const a = auth({ delegation: { maxDepth: 1 } })
      expect((await rejection(async () => a.authenticate(bearer(await issuer.mint(delegated))))).reason).toBe('delegation')
      expect((await a.authenticate(bearer(await issuer.mint({ act: { sub: 'gateway' } }))))?.identity.actor).toHaveLength(1)
    })

    it('RFC 8693 §4.1: actors allow-list matches only the current actor (by sub, optionally iss)', async () => {
      const a = auth({ delegation: { actors: [{ subject: 'gateway' }, { subject: 'batch', issuer: 'https://other.example' }] } })
      expect((await a.authenticate(bearer(await issuer.mint(delegated))))?.identity).toBeDefined()
      // A listed subject as a prior (nested) actor does not make the current actor acceptable.
      const nested = { act: { sub: 'intruder', act: { sub: 'gateway' } } }
      expect((await rejection(async () => a.authenticate(bearer(await issuer.mint(nested))))).reason).toBe('delegation')
      // An actor without iss belongs to the token's issuer, which is not https://other.example.
      expect((await rejection(async () => a.authenticate(bearer(await issuer.mint({ act: { sub: 'batch' } }))))).reason).toBe('delegation')
      const batch = { act: { sub: 'batch', iss: 'https://other.example' } }
      expect((await a.authenticate(bearer(await issuer.mint(batch))))?.identity.actor).toEqual([{ subject: 'batch', issuer: 'https://other.example' }])
    })

    it.each([
      [{ allow: 'no' }, /delegation\.allow/],
      [{ maxDepth: 0 }, /delegation\.maxDepth/],
      [{ actors: [{ issuer: 'x' }] }, /delegation\.actors/],
      [{ depth: 2 }, /delegation\.depth is not an option/],
    ])('configuration: %j is refused', (delegation, message) => {
      expect(() => auth({ delegation: delegation as never })).toThrow(message)
    })
  })
})
