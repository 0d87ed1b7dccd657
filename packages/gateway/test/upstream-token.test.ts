/**
 * Token translation: the gateway signs a short-lived token for the upstream, publishes its
 * keys and metadata, and the core verifies it against one issuer, the gateway.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAuthenticator, type Authenticator } from '@portcullis/core'
import { createGateway, type Gateway } from '@portcullis/gateway'
import { createIssuer } from '@portcullis/testing'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { forwardAsk, NOW, NOW_S, send, startFixture, type Fixture } from './fixture.js'
import { freePort } from './proxies.js'

const head = 'token:\n  issuer: https://id.example.com/\n  audience: https://api.example.com\n'

async function loadError(text: string, files: Record<string, string> = {}): Promise<{ file: string; message: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-gateway-'))
  const file = join(dir, 'gw.yaml')
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
    writeFileSync(file, text)
    let message = ''
    await createGateway({ config: file, watch: false }).then((g) => g.close(), (e: Error) => (message = e.message))
    return { file, message }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function pem(type: 'ec' | 'ed25519' | 'rsa'): string {
  const { privateKey } = type === 'ec'
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519')
  return privateKey.export({ format: 'pem', type: 'pkcs8' }) as string
}

describe('upstreamToken in the configuration', () => {
  it('shape errors carry file, line and field', async () => {
    const { file, message } = await loadError(`${head}upstreamToken:
  issuer: not a url
  audience: https://api.internal
  algorithm: HS256
  lifetime: 5
  header: Host
  claims: [email, exp]
rules:
  - path: /a
    upstreamToken: { aud: x }
`)
    expect(message).toContain(`${file}:5: upstreamToken.issuer:`)
    expect(message).toContain(`${file}:7: upstreamToken.algorithm: must be ES256, EdDSA or RS256`)
    expect(message).toContain(`${file}:8: upstreamToken.lifetime:`)
    expect(message).toContain(`${file}:9: upstreamToken.header:`)
    expect(message).toContain(`${file}:10: upstreamToken.claims[1]: exp is set by the gateway`)
    expect(message).toContain(`${file}:13: rules[0].upstreamToken.aud: is not a setting`)
  })

  it('a rule cannot name an audience without the section; a key must fit the algorithm', async () => {
    expect((await loadError(`${head}rules:\n  - path: /a\n    upstreamToken: { audience: x }\n`)).message).toContain('rules[0].upstreamToken: needs the top-level upstreamToken section')
    const { file, message } = await loadError(`${head}upstreamToken:\n  issuer: https://gw.internal\n  audience: https://api.internal\n  algorithm: EdDSA\n  key: ec.pem\n  publishedKeys: [missing.pem]\nrules:\n  - path: /a\n`, { 'ec.pem': pem('ec') })
    expect(message).toContain(`${file}:8: upstreamToken.key:`)
    expect(message).toContain('EdDSA needs an Ed25519 key')
    const missing = await loadError(`${head}upstreamToken:\n  issuer: https://gw.internal\n  audience: https://api.internal\n  publishedKeys: [missing.pem]\nrules:\n  - path: /a\n`)
    expect(missing.message).toContain(`${missing.file}:7: upstreamToken.publishedKeys[0]:`)
    expect((await loadError(`${head}upstreamToken:\n  issuer: https://gw.internal\n  audience: https://api.internal\n  header: X-Portcullis-Subject\nrules:\n  - path: /a\n`)).message).toContain('gw.yaml:7: upstreamToken.header:')
  })
})

describe('the upstream token', () => {
  let f: Fixture | undefined
  const keyDirs: string[] = []
  afterEach(async () => {
    await f?.close()
    f = undefined
    for (const dir of keyDirs.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  async function start(section: string, files: Record<string, string> = {}, rules = ''): Promise<{ url: string; fixture: Fixture }> {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-keys-'))
    keyDirs.push(dir)
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content)
    const resolved = section.replaceAll('$DIR', dir)
    f = await startFixture(`rules:\n${rules}  - name: api\n    path: /api/*\n  - name: public\n    path: /public/*\n    token: none\n  - name: plain\n    path: /plain\n    upstreamToken: false\n`, '', { port, top: `upstreamToken:\n  issuer: ${url}\n  audience: https://api.internal\n${resolved}` })
    return { url, fixture: f }
  }

  const verifier = (issuer: string, audience = 'https://api.internal', clock = () => NOW): Authenticator => createAuthenticator({ issuer, audience, clock })
  const check = (auth: Authenticator, token: string) => auth.authenticate({ method: 'GET', url: '/', headers: { authorization: `Bearer ${token}` } })

  it('publishes its JWKS and RFC 8414 metadata; the core discovers and verifies the token', async () => {
    const { url, fixture } = await start('')
    const jwks = await send(fixture.port, '/.well-known/jwks.json', {})
    expect(jwks.headers['content-type']).toBe('application/jwk-set+json')
    const keys = (JSON.parse(jwks.text) as { keys: Array<Record<string, unknown>> }).keys
    expect(keys).toEqual([expect.objectContaining({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: expect.any(String) })])
    expect(keys[0]).not.toHaveProperty('d')
    expect(JSON.parse((await send(fixture.port, '/.well-known/oauth-authorization-server', {})).text)).toEqual({ issuer: url, jwks_uri: `${url}/.well-known/jwks.json` })

    const external = await fixture.token('api:read', { may_act: { sub: 'agent' }, email: 'x@example.com' })
    const res = await forwardAsk(fixture.port, 'GET', '/api/x', { authorization: `Bearer ${external}` })
    const internal = (res.headers['authorization'] as string).slice('Bearer '.length)
    expect(decodeProtectedHeader(internal)).toEqual({ alg: 'ES256', kid: keys[0]?.['kid'], typ: 'at+jwt' })
    const claims = decodeJwt(internal)
    expect(claims).toEqual({
      iss: url, aud: 'https://api.internal', sub: 'user-123', client_id: 'test-client', scope: 'api:read',
      may_act: { sub: 'agent' }, iat: NOW_S, exp: NOW_S + 60, jti: expect.any(String),
    })
    // Claims not selected are not copied.
    expect(claims).not.toHaveProperty('email')
    expect((await check(verifier(url), internal))?.identity.subject).toBe('user-123')
  })

  it('never outlives the external token; a custom header carries the bare token', async () => {
    const { fixture } = await start('  header: X-Internal-Token\n  lifetime: 300\n')
    const external = await fixture.token('api:read', { exp: NOW_S + 20 })
    const res = await forwardAsk(fixture.port, 'GET', '/api/x', { authorization: `Bearer ${external}` })
    expect(res.headers['authorization']).toBeUndefined()
    const internal = res.headers['x-internal-token'] as string
    expect(decodeJwt(internal).exp).toBe(NOW_S + 20)
    // Public, anonymous and opted-out rules: the header is present and empty, so the proxy
    // replaces the client's copy with nothing.
    for (const path of ['/public/x', '/plain']) {
      const answer = await forwardAsk(fixture.port, 'GET', path, { authorization: `Bearer ${external}`, 'x-internal-token': 'forged' })
      expect([path, answer.status, answer.headers['x-internal-token']]).toEqual([path, 200, ''])
    }
  })

  it('is reused per external token and audience; a rule names its own audience', async () => {
    const { url, fixture } = await start('', {}, '  - name: orders\n    path: /orders/*\n    upstreamToken: { audience: https://orders.internal }\n')
    const external = `Bearer ${await fixture.token('api:read')}`
    const first = (await forwardAsk(fixture.port, 'GET', '/api/a', { authorization: external })).headers['authorization']
    expect((await forwardAsk(fixture.port, 'GET', '/api/b', { authorization: external })).headers['authorization']).toBe(first)
    const orders = (await forwardAsk(fixture.port, 'GET', '/orders/1', { authorization: external })).headers['authorization'] as string
    expect(orders).not.toBe(first)
    expect(decodeJwt(orders.slice(7)).aud).toBe('https://orders.internal')
    await expect(check(verifier(url), orders.slice(7))).rejects.toMatchObject({ reason: 'audience' })
    const another = `Bearer ${await fixture.token('api:read')}`
    expect((await forwardAsk(fixture.port, 'GET', '/api/a', { authorization: another })).headers['authorization']).not.toBe(first)
  })

  it('signs with a PEM key (EdDSA, RS256) and publishes the previous key during a rotation', async () => {
    const next = pem('ed25519')
    const previous = pem('ed25519')
    const { url, fixture } = await start('  algorithm: EdDSA\n  key: $DIR/next.pem\n  publishedKeys: [$DIR/previous.pem]\n', { 'next.pem': next, 'previous.pem': previous })
    const keys = (JSON.parse((await send(fixture.port, '/.well-known/jwks.json', {})).text) as { keys: Array<{ kid: string; crv: string }> }).keys
    expect(keys.map((k) => k.crv)).toEqual(['Ed25519', 'Ed25519'])
    const res = await forwardAsk(fixture.port, 'GET', '/api/x', { authorization: `Bearer ${await fixture.token('api:read')}` })
    const internal = (res.headers['authorization'] as string).slice(7)
    expect(decodeProtectedHeader(internal)).toMatchObject({ alg: 'EdDSA', kid: keys[0]?.kid })
    expect((await check(verifier(url), internal))?.identity.subject).toBe('user-123')
    await fixture.close()
    f = undefined
    const rsa = await start('  algorithm: RS256\n  key: $DIR/rsa.pem\n', { 'rsa.pem': pem('rsa') })
    const signed = (await forwardAsk(rsa.fixture.port, 'GET', '/api/x', { authorization: `Bearer ${await rsa.fixture.token('api:read')}` })).headers['authorization'] as string
    expect(decodeProtectedHeader(signed.slice(7)).alg).toBe('RS256')
    expect((await check(verifier(rsa.url), signed.slice(7)))?.identity.subject).toBe('user-123')
  })

  it('a reload keeps the generated key while the section is unchanged', async () => {
    const { fixture } = await start('')
    const kid = async (): Promise<string> => (JSON.parse((await send(fixture.port, '/.well-known/jwks.json', {})).text) as { keys: Array<{ kid: string }> }).keys[0]?.kid as string
    const before = await kid()
    expect(await fixture.gateway.reload()).toBe(true)
    expect(await kid()).toBe(before)
    writeFileSync(fixture.file, readFileSync(fixture.file, 'utf8').replace('audience: https://api.internal', 'audience: https://api2.internal'))
    expect(await fixture.gateway.reload()).toBe(true)
    expect(await kid()).not.toBe(before)
  })
})

describe('the upstream token cache', () => {
  let gateway: Gateway | undefined
  afterEach(async () => {
    await gateway?.close()
    gateway = undefined
  })

  it('mints again once less than a quarter of the lifetime is left', async () => {
    let now = NOW
    const issuer = await createIssuer({ clock: () => now })
    try {
      gateway = await createGateway({
        config: { token: { issuer: issuer.issuer, audience: issuer.audience }, upstreamToken: { issuer: 'https://gw.internal', audience: 'https://api.internal', lifetime: 40 }, rules: [{ path: '/api/*' }] },
        clock: () => now,
        watch: false,
      })
      const { port } = await gateway.listen(0)
      const external = `Bearer ${await issuer.mint({ sub: 'u', iat: NOW_S, exp: NOW_S + 3600 })}`
      const ask = async (): Promise<string> => (await forwardAsk(port, 'GET', '/api/x', { authorization: external })).headers['authorization'] as string
      const first = await ask()
      now = NOW + 29_000
      expect(await ask()).toBe(first)
      now = NOW + 31_000
      const second = await ask()
      expect(second).not.toBe(first)
      expect(decodeJwt(second.slice(7)).iat).toBe(NOW_S + 31)
    } finally {
      await issuer.close()
    }
  })
})
