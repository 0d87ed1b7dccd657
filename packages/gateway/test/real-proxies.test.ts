/**
 * End to end with real proxies: nginx (auth_request) and Caddy (forward_auth) in front of an
 * upstream, the gateway deciding. Both are installed by `.ci/run`; a missing one fails the
 * suite rather than skipping it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import type http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAuthenticator } from '@portcullis/core'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { NOW, send, startFixture, type Fixture } from './fixture.js'
import { CADDY_UPSTREAM_TOKEN, caddySite, freePort, NGINX_UPSTREAM_TOKEN, installed, nginxServer, startCaddy, startNginx, startUpstream, type Echo, type RunningProxy } from './proxies.js'

const PROXIES: [string, typeof startNginx][] = [
  ['nginx', startNginx],
  ['caddy', startCaddy],
]

describe.each(PROXIES)('%s in front of the gateway', (command, start) => {
  let f: Fixture
  let upstream: { server: http.Server; port: number }
  let proxy: RunningProxy
  let dir = ''

  beforeAll(async () => {
    if (!installed(command)) throw new Error(`${command} is not installed (.ci/run installs it)`)
    f = await startFixture()
    upstream = await startUpstream()
    dir = mkdtempSync(join(tmpdir(), `portcullis-${command}-`))
    proxy = await start(dir, f.port, upstream.port)
  }, 30_000)

  afterAll(async () => {
    await proxy?.stop()
    await new Promise<void>((resolve) => (upstream ? upstream.server.close(() => resolve()) : resolve()))
    await f?.close()
    if (dir !== '') rmSync(dir, { recursive: true, force: true })
  })

  const get = (path: string, headers: http.OutgoingHttpHeaders = {}, method = 'GET') =>
    send(proxy.port, path, { host: 'api.example.com', ...headers }, method)

  it('passes an allowed request to the upstream with the identity headers', async () => {
    const token = await f.token('docs:read')
    const res = await get('/docs/eng-1?page=2', { authorization: `Bearer ${token}` })
    expect(res.status).toBe(200)
    const echo = JSON.parse(res.text) as Echo
    expect(echo.url).toBe('/docs/eng-1?page=2')
    expect(echo.headers['x-portcullis-subject']).toBe('user-123')
    expect(echo.headers['x-portcullis-client']).toBe('test-client')
    expect(echo.headers['x-portcullis-scopes']).toBe('docs:read')
  })

  it('client-supplied identity headers never reach the upstream', async () => {
    const forged = { 'x-portcullis-subject': 'admin', 'x-portcullis-scopes': 'admin' }
    const open = JSON.parse((await get('/public/x', forged)).text) as Echo
    // Absent (nginx) or empty (Caddy 2.6 copies the gateway's empty value): never the forged one.
    expect(open.headers['x-portcullis-subject'] ?? '').toBe('')
    expect(open.headers['x-portcullis-scopes'] ?? '').toBe('')
    const token = await f.token('docs:read')
    const authed = JSON.parse((await get('/docs/eng-1', { ...forged, authorization: `Bearer ${token}` })).text) as Echo
    expect(authed.headers['x-portcullis-subject']).toBe('user-123')
    expect(authed.headers['x-portcullis-scopes']).toBe('docs:read')
  })

  it('answers 401 with the challenge and the JSON body without a token', async () => {
    const res = await get('/docs/eng-1')
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"')
    expect(JSON.parse(res.text)).toEqual({ error: 'credentials_required', error_description: expect.any(String) })
  })

  it('answers 403 insufficient_scope with its challenge and body', async () => {
    const token = await f.token('other')
    const res = await get('/docs/eng-1', { authorization: `Bearer ${token}` })
    expect(res.status).toBe(403)
    expect(res.headers['www-authenticate']).toContain('error="insufficient_scope"')
    expect(JSON.parse(res.text).error).toBe('insufficient_scope')
  })

  it('answers a policy denial with access_denied and a decision id', async () => {
    const token = await f.token('docs:read')
    const res = await get('/docs/hr-1', { authorization: `Bearer ${token}` })
    expect(res.status).toBe(403)
    expect(JSON.parse(res.text)).toEqual({ error: 'access_denied', decision_id: expect.any(String) })
  })

  it('answers step-up with insufficient_user_authentication', async () => {
    const token = await f.token('pay', { acr: 'pwd' })
    const res = await send(proxy.port, '/pay', { host: 'pay.example.com', authorization: `Bearer ${token}` }, 'POST')
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toContain('acr_values="mfa"')
  })

  it('a client cannot describe another request to the gateway: the proxy overwrites the headers', async () => {
    const forged = {
      'x-original-method': 'GET', 'x-original-uri': '/public/x', 'x-original-host': 'pay.example.com',
      'x-forwarded-method': 'GET', 'x-forwarded-uri': '/public/x', 'x-forwarded-host': 'pay.example.com',
    }
    const res = await get('/docs/eng-1', forged)
    expect(res.status).toBe(401)
    expect(res.text).not.toContain('"url"')
  })

  it('a dot-segment path that the upstream would resolve is refused', async () => {
    const res = await get('/public/../docs/hr-1')
    expect(res.status).not.toBe(200)
    expect(res.text).not.toContain('"url"')
  })
})

describe('the README shows the tested configurations', () => {
  const lines = (text: string): string => text.split('\n').map((l) => l.trim()).filter((l) => l !== '').join('\n')
  const readme = lines(readFileSync(new URL('../README.md', import.meta.url), 'utf8'))

  it('nginx and Caddy, with the gateway on 9090 and the upstream on 3000', () => {
    expect(readme).toContain(lines(nginxServer(8080, 9090, 3000)))
    expect(readme).toContain(lines(caddySite(8080, 9090, 3000)))
  })

  it('the token translation lines', () => {
    expect(readme).toContain(lines(NGINX_UPSTREAM_TOKEN))
    expect(readme).toContain(CADDY_UPSTREAM_TOKEN)
  })
})

describe.each(PROXIES)('rate limits and token translation through %s', (command, start) => {
  let f: Fixture
  let upstream: { server: http.Server; port: number }
  let proxy: RunningProxy
  let dir = ''
  let gatewayUrl = ''

  beforeAll(async () => {
    const port = await freePort()
    gatewayUrl = `http://127.0.0.1:${port}`
    const top = `upstreamToken:\n  issuer: ${gatewayUrl}\n  audience: https://api.internal\n  claims: [email]\n`
    const rules = `
rules:
  - name: limited
    path: /limited
    scopes: [docs:read]
    rateLimit: { points: 2, duration: 60 }
  - name: orders
    path: /orders/*
    upstreamToken: { audience: https://orders.internal }
  - name: public
    path: /public/*
    token: none
`
    f = await startFixture(rules, '', { top, port })
    upstream = await startUpstream()
    dir = mkdtempSync(join(tmpdir(), `portcullis-${command}-`))
    proxy = await start(dir, f.port, upstream.port, { upstreamToken: true })
  }, 30_000)

  afterAll(async () => {
    await proxy?.stop()
    await new Promise<void>((resolve) => (upstream ? upstream.server.close(() => resolve()) : resolve()))
    await f?.close()
    if (dir !== '') rmSync(dir, { recursive: true, force: true })
  })

  const get = (path: string, headers: http.OutgoingHttpHeaders = {}) => send(proxy.port, path, { host: 'api.example.com', ...headers })

  it('counts per subject: RateLimit fields on the 429 with Retry-After, a JSON body', async () => {
    const token = await f.token('docs:read', { sub: `rl-${command}` })
    const first = await get('/limited', { authorization: `Bearer ${token}` })
    expect(first.status).toBe(200)
    if (command === 'nginx') {
      // nginx adds the fields of the allow answer to the upstream's response.
      expect(first.headers['ratelimit']).toBe('"default";r=1;t=60')
      expect(first.headers['ratelimit-policy']).toBe('"default";q=2;w=60')
    }
    expect((await get('/limited', { authorization: `Bearer ${token}` })).status).toBe(200)
    const refused = await get('/limited', { authorization: `Bearer ${token}` })
    expect(refused.status).toBe(429)
    expect(refused.headers['retry-after']).toBe('60')
    expect(refused.headers['ratelimit']).toBe('"default";r=0;t=60')
    expect(refused.headers['ratelimit-policy']).toBe('"default";q=2;w=60')
    expect(refused.headers['x-portcullis-status']).toBeUndefined()
    expect(JSON.parse(refused.text)).toEqual({ error: 'rate_limited', error_description: expect.any(String) })
    // Another subject has its own count.
    const other = await f.token('docs:read', { sub: `other-${command}` })
    expect((await get('/limited', { authorization: `Bearer ${other}` })).status).toBe(200)
  })

  it('a malformed Authorization header reaches the client as a 400 (not a 500)', async () => {
    const res = await get('/limited', { authorization: 'Bearer a b' })
    expect(res.status).toBe(400)
    expect(JSON.parse(res.text).error).toBe('invalid_request')
  })

  it('the upstream receives the gateway token instead of the client token, verifiable against the gateway JWKS', async () => {
    const external = await f.token('orders:read', { email: 'ada@example.com', act: { sub: 'agent-7' } })
    const echo = JSON.parse((await get('/orders/42', { authorization: `Bearer ${external}` })).text) as Echo
    const received = (echo.headers['authorization'] ?? '') as string
    expect(received).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/)
    const internal = received.slice('Bearer '.length)
    expect(internal).not.toBe(external)
    // The upstream trusts one issuer, the gateway, discovered from its metadata.
    const upstreamAuth = createAuthenticator({ issuer: gatewayUrl, audience: 'https://orders.internal', clock: () => NOW })
    const result = await upstreamAuth.authenticate({ method: 'GET', url: '/orders/42', headers: { authorization: received } })
    expect(result?.identity).toMatchObject({ subject: 'user-123', clientId: 'test-client', scopes: ['orders:read'], issuer: gatewayUrl })
    expect(result?.identity.claims).toMatchObject({ email: 'ada@example.com', act: { sub: 'agent-7' } })
    expect(decodeProtectedHeader(internal)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' })
    const claims = decodeJwt(internal)
    expect((claims.exp as number) - (claims.iat as number)).toBe(60)
    // Another audience is refused, and so is the token once expired.
    const elsewhere = createAuthenticator({ issuer: gatewayUrl, audience: 'https://billing.internal', clock: () => NOW })
    await expect(elsewhere.authenticate({ method: 'GET', url: '/', headers: { authorization: received } })).rejects.toMatchObject({ code: 'invalid_token', reason: 'audience' })
    const later = createAuthenticator({ issuer: gatewayUrl, audience: 'https://orders.internal', clock: () => NOW + 61_000, clockTolerance: 0 })
    await expect(later.authenticate({ method: 'GET', url: '/', headers: { authorization: received } })).rejects.toMatchObject({ code: 'invalid_token', reason: 'expired' })
    // The rule's default audience elsewhere, and one signature per token and audience.
    const again = JSON.parse((await get('/orders/42', { authorization: `Bearer ${external}` })).text) as Echo
    expect(again.headers['authorization']).toBe(received)
  })

  it('a public request carries no Authorization to the upstream, even one the client sent', async () => {
    const echo = JSON.parse((await get('/public/x', { authorization: 'Bearer forged.by.client' })).text) as Echo
    expect(echo.headers['authorization'] ?? '').toBe('')
  })
})
