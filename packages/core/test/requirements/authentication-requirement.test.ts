import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createAuthenticationRequirement, createAuthenticator, DEFAULT_AUTH_CONTEXT, SATISFIED, type Identity, type PortcullisError } from '@portcullis/core'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { bearer } from '../helpers.js'

const NOW = Date.UTC(2030, 0, 15, 12, 0, 0)
const NOW_S = NOW / 1000

function refusal(fn: () => unknown): PortcullisError {
  try {
    fn()
  } catch (error) {
    return error as PortcullisError
  }
  throw new Error('the requirement was met')
}

describe('createAuthenticationRequirement (RFC 9470 step-up for one route)', () => {
  let issuer: LocalIssuer
  beforeAll(async () => {
    issuer = await createIssuer({ clock: () => NOW })
  })
  afterAll(() => issuer.close())

  it('is met synchronously with SATISFIED, and refuses by throwing the 401 to answer', async () => {
    const auth = createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri, clock: () => NOW })
    const identity = (await auth.authenticate(bearer(await issuer.mint({ acr: 'urn:example:mfa', auth_time: NOW_S - 100 }))))?.identity as Identity
    const request = { method: 'GET', url: '/pay', headers: {} }
    const input = (who: Identity | undefined) => ({ request, identity: who, context: DEFAULT_AUTH_CONTEXT, input: undefined })
    const requirement = createAuthenticationRequirement({ acr: ['urn:example:mfa'], maxAge: 120, clock: () => NOW })
    expect(requirement.enforce(input(identity))).toBe(SATISFIED)
    expect(refusal(() => requirement.enforce(input(undefined))).code).toBe('credentials_required')
    const later = createAuthenticationRequirement({ maxAge: 99, clock: () => NOW })
    const error = refusal(() => later.enforce(input(identity)))
    expect({ status: error.status, code: error.code }).toEqual({ status: 401, code: 'insufficient_user_authentication' })
    expect(error.headers['WWW-Authenticate']).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", error_description="A more recent authentication is required", max_age="99"',
    )
  })

  it('uses the realm and audit sink of the context it is given', async () => {
    const events: string[] = []
    const auth = createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri, clock: () => NOW, realm: 'payments', audit: (e) => void events.push(`${e.event}:${e.reason}`) })
    const requirement = createAuthenticationRequirement({ acr: 'urn:example:hwk' })
    const error = refusal(() => requirement.enforce({ request: { method: 'GET', url: '/pay', headers: {} }, identity: undefined, context: auth.context, input: undefined }))
    expect(error.headers['WWW-Authenticate']).toBe('Bearer realm="payments"')
    expect(events).toEqual(['authn_login_fail:missing'])
  })
})
