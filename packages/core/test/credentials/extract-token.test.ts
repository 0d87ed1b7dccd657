import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { createAuthenticator, isPortcullisError, type Authenticator } from '@portcullis/core'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { bearer, rejection } from '../helpers.js'

// RFC 6750 §2 credential extraction, through the core authenticator (no HTTP framework).
describe('bearer token extraction', () => {
  let issuer: LocalIssuer
  let auth: Authenticator
  let both: Authenticator
  let token: string

  beforeAll(async () => {
    issuer = await createIssuer()
    auth = createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience })
    both = createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, bearerMethods: ['header', 'body', 'query'] })
    token = await issuer.mint({ scope: 'a b' })
  })
  afterAll(() => issuer.close())

  it('RFC 6750 §2.1; RFC 9110 §11.1: accepts the header method with any case of the scheme and several spaces', async () => {
    for (const header of [`Bearer ${token}`, `bearer ${token}`, `BEARER ${token}`, `Bearer    ${token}`]) {
      const result = await auth.authenticate({ method: 'GET', url: '/', headers: { authorization: header } })
      expect(result?.method).toBe('header')
      expect(result?.identity.scopes).toEqual(['a', 'b'])
    }
  })

  it('RFC 6750 §3.1: another scheme is treated as no credentials (bare challenge, no error code)', async () => {
    const error = await rejection(() => auth.authenticate({ method: 'GET', url: '/', headers: { authorization: 'Basic dXNlcjpwYXNz' } }))
    expect(error.code).toBe('credentials_required')
    expect(error.headers['WWW-Authenticate']).toBe('Bearer realm="api"')
  })

  it.each([
    ['Bearer', 'no token'],
    ['Bearer ', 'only a space'],
    ['Bearer a b', 'two tokens'],
    ['Bearer tok@n', 'a character outside b64token'],
    ['Bearer ab=c', 'padding in the middle'],
  ])('RFC 6750 §2.1, §3.1: %j (%s) is invalid_request', async (header) => {
    const error = await rejection(() => auth.authenticate({ method: 'GET', url: '/', headers: { authorization: header } }))
    expect(error.status).toBe(400)
    expect(error.code).toBe('invalid_request')
    expect(error.headers['WWW-Authenticate']).toMatch(/^Bearer realm="api", error="invalid_request", error_description="[^"\\]+"$/)
  })

  it('RFC 6750 §2, §3.1: a repeated Authorization header is invalid_request', async () => {
    const error = await rejection(() =>
      auth.authenticate(bearer(token, { rawHeaders: ['Authorization', `Bearer ${token}`, 'authorization', `Bearer ${token}`] })),
    )
    expect(error.code).toBe('invalid_request')
  })

  it('RFC 6750 §2.2, §2.3; RFC 9700 §4.3.2: query and body tokens are ignored unless enabled', async () => {
    const query = await rejection(() => auth.authenticate({ method: 'GET', url: `/?access_token=${token}`, headers: {} }))
    expect(query.code).toBe('credentials_required')
    const body = await rejection(() =>
      auth.authenticate({
        method: 'POST', url: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: { access_token: token },
      }),
    )
    expect(body.code).toBe('credentials_required')
  })

  it('RFC 6750 §2.3: the query method works when enabled and reports it (for Cache-Control: private)', async () => {
    const result = await both.authenticate({ method: 'GET', url: `/x?a=1&access_token=${token}`, headers: {} })
    expect(result?.method).toBe('query')
    expect(result?.responseHeaders).toEqual({ 'Cache-Control': 'private' })
    expect((await both.authenticate(bearer(token)))?.responseHeaders).toEqual({})
  })

  it('RFC 6750 §2.2: the body method needs a form content type and a method with a body', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }
    const ok = await both.authenticate({ method: 'POST', url: '/', headers: form, body: { access_token: token } })
    expect(ok?.method).toBe('body')
    const onGet = await rejection(() => both.authenticate({ method: 'GET', url: '/', headers: form, body: { access_token: token } }))
    expect(onGet.code).toBe('credentials_required')
    const json = await rejection(() =>
      both.authenticate({ method: 'POST', url: '/', headers: { 'content-type': 'application/json' }, body: { access_token: token } }),
    )
    expect(json.code).toBe('credentials_required')
  })

  it('RFC 6750 §2, §3.1: a token in two places, or a repeated parameter, is invalid_request', async () => {
    const cases = [
      bearer(token, { url: `/?access_token=${token}` }),
      bearer(token, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' }, body: { access_token: token } }),
      { method: 'GET', url: `/?access_token=${token}&access_token=${token}`, headers: {} },
      { method: 'POST', url: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: { access_token: [token, token] } },
    ]
    for (const request of cases) {
      const error = await rejection(() => both.authenticate(request))
      expect(error.code).toBe('invalid_request')
    }
  })

  it('refuses an oversized token before parsing it (invalid_token, no echo of the token)', async () => {
    const huge = 'a'.repeat(100_000)
    const error = await rejection(() => auth.authenticate(bearer(huge)))
    expect(error.code).toBe('invalid_token')
    expect(error.reason).toBe('oversized')
    expect(error.headers['WWW-Authenticate']).not.toContain('aaaa')
  })

  it('never fails with anything but a 400/401 PortcullisError whatever the Authorization header', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (header) => {
        try {
          await auth.authenticate({ method: 'GET', url: '/', headers: { authorization: header } })
          return false // no random string is a valid token
        } catch (error) {
          return isPortcullisError(error) && (error.status === 400 || error.status === 401) &&
            /^[\x20-\x7e]*$/.test(error.headers['WWW-Authenticate'] ?? '')
        }
      }),
      { numRuns: 300 },
    )
  })

  it('never fails with anything but invalid_token for random three-part b64 tokens', async () => {
    const part = fc.stringMatching(/^[A-Za-z0-9_-]{1,60}$/)
    await fc.assert(
      fc.asyncProperty(part, part, part, async (a, b, c) => {
        const error = await rejection(() => auth.authenticate(bearer(`${a}.${b}.${c}`)))
        return error.code === 'invalid_token' && error.status === 401
      }),
      { numRuns: 200 },
    )
  })
})
