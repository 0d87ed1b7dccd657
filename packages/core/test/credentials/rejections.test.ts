import { describe, expect, it } from '@jest/globals'
import { createAuthenticator, errorBody } from '@portcullis/core'

const { rejections } = createAuthenticator({
  issuer: 'https://id.example.com/',
  audience: 'https://api.example.com',
  jwksUri: 'https://id.example.com/jwks',
}).context

describe('shared rejections', () => {
  it('step-up: 401 insufficient_user_authentication with acr_values and a quoted max_age (RFC 9470 §3)', () => {
    const error = rejections.insufficientUserAuthentication({ acrValues: ['urn:mace:incommon:iap:silver', 'mfa'], maxAge: 300.7 })
    expect(error.code).toBe('insufficient_user_authentication')
    expect(error.status).toBe(401)
    expect(error.headers['WWW-Authenticate']).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", error_description="A stronger or more recent authentication is required", acr_values="urn:mace:incommon:iap:silver mfa", max_age="300"',
    )
    expect(error.reason).toBe('acr')
  })

  it('step-up with only max_age omits acr_values', () => {
    const error = rejections.insufficientUserAuthentication({ maxAge: 60 }, 'Authentication too old')
    expect(error.headers['WWW-Authenticate']).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", error_description="Authentication too old", max_age="60"',
    )
    expect(error.reason).toBe('max_age')
  })

  it('policy deny: 403 access_denied, no challenge, body carries only the decision id', () => {
    const error = rejections.accessDenied('d-123')
    expect(error.status).toBe(403)
    expect(error.headers).toEqual({})
    expect(errorBody(error)).toEqual({ error: 'access_denied', decision_id: 'd-123' })
  })

  it('errorBody hides the description of unexposed errors', () => {
    expect(errorBody(rejections.unavailable('JWKS down at 10.0.0.1', 'jwks', 2))).toEqual({ error: 'temporarily_unavailable' })
    expect(errorBody(rejections.invalidToken('The token has expired', 'expired'))).toEqual({
      error: 'invalid_token',
      error_description: 'The token has expired',
    })
  })
})
