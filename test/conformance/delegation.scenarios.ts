/** Delegation (RFC 8693 `act`) rules over real HTTP, for every adapter (RFC 8693 §4.1). */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { DelegationOptions, RequireTokenOptions } from '@portcullis/core'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { NOW } from './helpers.js'
import { expectInvalidToken, lifecycleApps } from './lifecycle-harness.js'
import type { AdapterUnderTest } from './suite.js'

const CHAIN = { act: { sub: 'gateway', act: { sub: 'mobile-app' } } }

export function runDelegationScenarios(adapter: AdapterUnderTest): void {
  describe('delegation (RFC 8693 act) over HTTP', () => {
    let issuer: LocalIssuer
    const start = lifecycleApps(adapter)
    beforeAll(async () => {
      issuer = await createIssuer({ clock: () => NOW })
    })
    afterAll(() => issuer.close())

    function options(delegation?: DelegationOptions): RequireTokenOptions {
      return { issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri, clock: () => NOW, ...(delegation === undefined ? {} : { delegation }) }
    }

    it('RFC 8693 §4.1: the actor chain reaches the handler, current actor first', async () => {
      const h = await start(options())
      const res = await h.get(await issuer.mint(CHAIN))
      expect(res.body.actor).toEqual([{ subject: 'gateway' }, { subject: 'mobile-app' }])
    })

    it('delegation.allow false: a delegated token -> 401 invalid_token; an ordinary one passes', async () => {
      const h = await start(options({ allow: false }))
      expectInvalidToken(await h.get(await issuer.mint(CHAIN)), h)
      expect(h.reason()).toBe('delegation')
      expect((await h.get(await issuer.mint())).status).toBe(200)
    })

    it('delegation.maxDepth: a longer chain -> 401 invalid_token', async () => {
      const h = await start(options({ maxDepth: 1 }))
      expectInvalidToken(await h.get(await issuer.mint(CHAIN)), h)
      expect((await h.get(await issuer.mint({ act: { sub: 'gateway' } }))).status).toBe(200)
    })

    it('RFC 8693 §4.1: delegation.actors matches the current actor only', async () => {
      const h = await start(options({ actors: [{ subject: 'gateway' }] }))
      expect((await h.get(await issuer.mint(CHAIN))).status).toBe(200)
      expectInvalidToken(await h.get(await issuer.mint({ act: { sub: 'mobile-app', act: { sub: 'gateway' } } })), h)
    })
  })
}
