/**
 * The attack cases the adapters face (test/conformance) run through the gateway: the proxy
 * protocols must not weaken any of them.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { b64url, segments } from '../../../test/conformance/helpers.js'
import { envoyAsk, forwardAsk, meant, nginxAsk, NOW_S, type Fixture, type RawResponse, startFixture } from './fixture.js'

type Ask = (port: number, method: string, uri: string, headers?: Record<string, string | string[]>) => Promise<RawResponse>

let f: Fixture
beforeAll(async () => {
  f = await startFixture()
})
afterAll(() => f.close())

describe.each([['nginx', nginxAsk], ['forward', forwardAsk], ['envoy', envoyAsk]] as [string, Ask][])('%s', (_name, ask) => {
  const get = (headers: Record<string, string | string[]>): Promise<RawResponse> => ask(f.port, 'GET', '/docs/eng-1', headers)

  it('malformed Authorization headers are invalid_request (400)', async () => {
    for (const value of ['Bearer', 'Bearer a b', 'Bearer abc@def', 'Bearer abc,def']) {
      const res = await get({ authorization: value })
      expect([value, meant(res), JSON.parse(res.text).error]).toEqual([value, 400, 'invalid_request'])
    }
  })

  it('another scheme is answered with a Bearer challenge (401)', async () => {
    const res = await get({ authorization: 'Basic dXNlcjpwYXNz' })
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="api"/)
  })

  it('two Authorization headers are refused, not resolved to one', async () => {
    const token = await f.token('docs:read')
    const res = await get({ authorization: [`Bearer ${token}`, `Bearer ${token}`] })
    expect(meant(res)).toBe(400)
    expect(JSON.parse(res.text).error).toBe('invalid_request')
  })

  it('alg none, an HMAC alg with the public key id, and an unknown kid are invalid_token', async () => {
    const token = await f.token('docs:read')
    const [header, payload, signature] = segments(token)
    const kid = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string }).kid
    const forged = [
      `${b64url({ alg: 'none', typ: 'JWT' })}.${payload}.`,
      `${b64url({ alg: 'HS256', kid })}.${payload}.${signature}`,
      `${b64url({ alg: 'RS256', kid: 'unknown-kid' })}.${payload}.${signature}`,
    ]
    for (const value of forged) {
      const res = await get({ authorization: `Bearer ${value}` })
      expect(res.status).toBe(401)
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"')
      expect(res.headers['x-portcullis-subject']).toBeUndefined()
    }
  })

  it('an expired token and a token for another audience are invalid_token', async () => {
    const expired = await f.token('docs:read', { iat: NOW_S - 600, exp: NOW_S - 60 })
    const other = await f.token('docs:read', { aud: 'https://other.example.com' })
    for (const value of [expired, other]) {
      const res = await get({ authorization: `Bearer ${value}` })
      expect(res.status).toBe(401)
      expect(JSON.parse(res.text).error).toBe('invalid_token')
      expect(res.text).not.toContain(value)
    }
  })
})
