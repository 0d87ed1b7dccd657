/** Step-up authentication (RFC 9470) over real HTTP, for every adapter (STEP-*). */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { RequireTokenOptions } from '@portcullis/core'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { NOW, NOW_S } from './helpers.js'
import { lifecycleApps } from './lifecycle-harness.js'
import type { AdapterUnderTest } from './suite.js'

const STEP_UP = 'Bearer realm="api", error="insufficient_user_authentication"'

export function runStepUpScenarios(adapter: AdapterUnderTest): void {
  describe('step-up (RFC 9470) over HTTP', () => {
    let issuer: LocalIssuer
    const start = lifecycleApps(adapter)
    beforeAll(async () => {
      issuer = await createIssuer({ clock: () => NOW })
    })
    afterAll(() => issuer.close())

    function options(overrides: Partial<RequireTokenOptions> = {}): RequireTokenOptions {
      return { issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri, clock: () => NOW, ...overrides }
    }

    it('RFC 9470 §3: requireToken({ acr }): acr too weak -> 401 insufficient_user_authentication with acr_values', async () => {
      const h = await start(options({ acr: ['urn:example:mfa', 'urn:example:hwk'] }))
      const res = await h.get(await issuer.mint({ acr: 'urn:example:pwd' }))
      expect({ status: res.status, code: h.code() }).toEqual({ status: 401, code: 'insufficient_user_authentication' })
      expect(res.headers['www-authenticate']).toBe(
        `${STEP_UP}, error_description="A stronger authentication is required", acr_values="urn:example:mfa urn:example:hwk"`,
      )
      const ok = await h.get(await issuer.mint({ acr: 'urn:example:mfa' }))
      expect({ status: ok.status, acr: ok.body.acr }).toEqual({ status: 200, acr: 'urn:example:mfa' })
    })

    it('RFC 9470 §3, §6.1: requireToken({ maxAge }): auth_time too old, or missing -> 401 with max_age', async () => {
      const h = await start(options({ maxAge: 600 }))
      for (const claims of [{ auth_time: NOW_S - 601 }, {}]) {
        const res = await h.get(await issuer.mint(claims))
        expect({ status: res.status, code: h.code() }).toEqual({ status: 401, code: 'insufficient_user_authentication' })
        expect(res.headers['www-authenticate']).toMatch(/, max_age="600"$/)
      }
      expect((await h.get(await issuer.mint({ auth_time: NOW_S - 599 }))).status).toBe(200)
    })

    it('RFC 9470 §3: requireAuthentication() on one route; other routes are unaffected', async () => {
      const h = await start(options(), { stepUp: { acr: 'urn:example:mfa', maxAge: 300, clock: () => NOW } })
      const token = await issuer.mint({ acr: 'urn:example:pwd', auth_time: NOW_S - 30 })
      expect((await h.get(token)).status).toBe(200)
      const res = await h.get(token, '/step-up')
      expect({ status: res.status, code: h.code() }).toEqual({ status: 401, code: 'insufficient_user_authentication' })
      expect(res.headers['www-authenticate']).toBe(
        `${STEP_UP}, error_description="A stronger authentication is required", acr_values="urn:example:mfa", max_age="300"`,
      )
      const fresh = await issuer.mint({ acr: 'urn:example:mfa', auth_time: NOW_S - 30 })
      expect((await h.get(fresh, '/step-up')).status).toBe(200)
      const stale = await issuer.mint({ acr: 'urn:example:mfa', auth_time: NOW_S - 301 })
      expect((await h.get(stale, '/step-up')).headers['www-authenticate']).toContain('error_description="A more recent authentication is required"')
    })

    it('RFC 9470 §9: an invalid token gets invalid_token, the step-up requirement is not revealed', async () => {
      const h = await start(options({ acr: 'urn:example:mfa' }))
      const res = await h.get(await issuer.mint({ aud: 'https://elsewhere.example' }))
      expect({ status: res.status, code: h.code() }).toEqual({ status: 401, code: 'invalid_token' })
      expect(res.headers['www-authenticate']).not.toContain('acr_values')
    })
  })
}
