import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { envoyAsk, forwardAsk, meant, nginxAsk, send, startFixture, type Fixture, type RawResponse } from './fixture.js'

type Ask = (port: number, method: string, uri: string, headers?: Record<string, string | string[]>, host?: string) => Promise<RawResponse>

const SHAPES: [string, Ask][] = [
  ['nginx auth_request', nginxAsk],
  ['Caddy forward_auth / Traefik ForwardAuth', forwardAsk],
  ['Envoy ext_authz (HTTP)', envoyAsk],
]

let f: Fixture
beforeAll(async () => {
  f = await startFixture()
})
afterAll(() => f.close())

describe.each(SHAPES)('%s', (_name, ask) => {
  it('allows a request that meets the rule and sends the identity headers', async () => {
    const token = await f.token('docs:read', { email: 'ada@example.com' })
    const res = await ask(f.port, 'GET', '/docs/eng-1?x=1', { authorization: `Bearer ${token}` })
    expect(res.status).toBe(200)
    expect(res.headers['x-portcullis-subject']).toBe('user-123')
    expect(res.headers['x-portcullis-client']).toBe('test-client')
    expect(res.headers['x-portcullis-scopes']).toBe('docs:read')
    expect(res.headers['x-auth-email']).toBe('ada@example.com')
    expect(res.text).toBe('')
  })

  it('answers 401 with the adapters challenge and body without a token', async () => {
    const res = await ask(f.port, 'GET', '/docs/eng-1')
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"')
    expect(JSON.parse(res.text)).toEqual({ error: 'credentials_required', error_description: expect.any(String) })
    expect(JSON.parse(res.headers['x-portcullis-error'] as string)).toEqual(JSON.parse(res.text))
    expect(res.headers['x-portcullis-subject']).toBeUndefined()
  })

  it('answers 403 insufficient_scope naming the scope', async () => {
    const token = await f.token('other')
    const res = await ask(f.port, 'GET', '/docs/eng-1', { authorization: `Bearer ${token}` })
    expect(res.status).toBe(403)
    expect(res.headers['www-authenticate']).toContain('error="insufficient_scope"')
    expect(res.headers['www-authenticate']).toContain('scope="docs:read"')
    expect(JSON.parse(res.text).error).toBe('insufficient_scope')
  })

  it('answers 403 access_denied with a decision id when the policy denies (resource from the path)', async () => {
    const token = await f.token('docs:read')
    const res = await ask(f.port, 'GET', '/docs/hr-1', { authorization: `Bearer ${token}` })
    expect(res.status).toBe(403)
    const body = JSON.parse(res.text)
    expect(body).toEqual({ error: 'access_denied', decision_id: expect.any(String) })
  })

  it('matches the method: DELETE needs one of the admin scopes (any)', async () => {
    const reader = await f.token('docs:read')
    expect((await ask(f.port, 'DELETE', '/docs/eng-1', { authorization: `Bearer ${reader}` })).status).toBe(403)
    const admin = await f.token('admin')
    expect((await ask(f.port, 'DELETE', '/docs/eng-1', { authorization: `Bearer ${admin}` })).status).toBe(200)
  })

  it('answers 401 insufficient_user_authentication for step-up, only on the rule host', async () => {
    const weak = await f.token('pay', { acr: 'pwd', auth_time: 1 })
    const res = await ask(f.port, 'POST', '/pay', { authorization: `Bearer ${weak}` }, 'pay.example.com')
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toContain('error="insufficient_user_authentication"')
    expect(res.headers['www-authenticate']).toContain('acr_values="mfa"')
    const strong = await f.token('pay', { acr: 'mfa', auth_time: Math.floor(Date.UTC(2030, 0, 15, 11, 58) / 1000) })
    expect((await ask(f.port, 'POST', '/pay', { authorization: `Bearer ${strong}` }, 'pay.example.com')).status).toBe(200)
    // Another host: no rule matches /pay there.
    expect((await ask(f.port, 'POST', '/pay', { authorization: `Bearer ${strong}` }, 'api.example.com')).status).toBe(403)
  })

  it('lets public paths through without a token and ignores a bad one there', async () => {
    const res = await ask(f.port, 'GET', '/public/a/b.css', { authorization: 'Bearer not-a-token' })
    expect(res.status).toBe(200)
    expect(res.headers['x-portcullis-subject']).toBe('')
  })

  it('optional: passes without a token, refuses a bad one', async () => {
    expect((await ask(f.port, 'GET', '/maybe')).status).toBe(200)
    expect((await ask(f.port, 'GET', '/maybe', { authorization: 'Bearer abc.def.ghi' })).status).toBe(401)
  })

  it('denies a request no rule matches with 403', async () => {
    const token = await f.token('docs:read')
    const res = await ask(f.port, 'GET', '/admin', { authorization: `Bearer ${token}` })
    expect(res.status).toBe(403)
    expect(JSON.parse(res.text)).toEqual({ error: 'access_denied', error_description: 'No access rule matches this request' })
  })

  it('refuses paths not in canonical form instead of matching them', async () => {
    for (const uri of ['/public/../docs/hr-1', '/public/%2e%2e/docs/hr-1', '/public%2fx', '//public/x', '/public/x\\..\\y']) {
      const res = await ask(f.port, 'GET', uri)
      expect([uri, res.status]).toEqual([uri, 403])
    }
  })

  it('never echoes identity headers the client sent', async () => {
    const res = await ask(f.port, 'GET', '/public/x', { 'x-portcullis-subject': 'admin', 'x-auth-email': 'evil@example.com' })
    expect(res.status).toBe(200)
    expect(res.headers['x-portcullis-subject']).toBe('')
    expect(res.headers['x-auth-email']).toBe('')
  })
})

describe('first match wins', () => {
  it('a later, broader rule does not open a path an earlier rule protects', async () => {
    // "shadowed" (token: none) also matches GET /docs/:id, but docs-read comes first.
    expect((await nginxAsk(f.port, 'GET', '/docs/eng-1')).status).toBe(401)
    // POST /docs/x matches no earlier rule: the later public rule decides.
    expect((await nginxAsk(f.port, 'POST', '/docs/eng-1')).status).toBe(200)
  })
})

describe('proxy headers', () => {
  it('a missing or repeated original-request header is a 400 (a misconfigured proxy), never an allow', async () => {
    expect(meant(await send(f.port, '/auth/nginx', { 'x-original-uri': '/public/x' }))).toBe(400)
    expect(meant(await send(f.port, '/auth/nginx', { 'x-original-method': 'GET' }))).toBe(400)
    const twice = await send(f.port, '/auth/forward', { 'x-forwarded-method': ['GET', 'POST'], 'x-forwarded-uri': '/public/x' })
    expect(twice.status).toBe(400)
    expect((await send(f.port, '/auth/forward', { 'x-forwarded-method': 'GET', 'x-forwarded-uri': 'http://evil/public/x' })).status).toBe(400)
  })

  it('the nginx endpoint does not read the forward headers (a client copy passed through cannot steer it)', async () => {
    const res = await send(f.port, '/auth/nginx', { 'x-forwarded-method': 'GET', 'x-forwarded-uri': '/public/x' })
    expect(meant(res)).toBe(400)
  })

  it('unknown paths are 404; health and readiness answer', async () => {
    expect((await send(f.port, '/auth/other', {})).status).toBe(404)
    expect(JSON.parse((await send(f.port, '/health', {})).text)).toEqual({ status: 'ok' })
    const ready = await send(f.port, '/ready', {})
    expect(ready.status).toBe(200)
  })
})
