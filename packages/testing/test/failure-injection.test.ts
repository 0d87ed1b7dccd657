import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { createRemoteJWKSet, errors, jwtVerify } from 'jose'
import { createIssuer } from '@portcullis/testing'
import type { EndpointBehaviour, LocalIssuer } from '@portcullis/testing'

describe('failure injection', () => {
  let issuer: LocalIssuer
  let discoveryUrl: string
  beforeAll(async () => {
    issuer = await createIssuer({ path: '/t' })
    discoveryUrl = `${issuer.issuer}/.well-known/openid-configuration`
  })
  afterEach(() => {
    issuer.setJwksBehaviour('ok')
    issuer.setDiscoveryBehaviour('ok')
  })
  afterAll(() => issuer.close())

  const verify = (token: string) =>
    jwtVerify(token, createRemoteJWKSet(new URL(issuer.jwksUri)), { issuer: issuer.issuer, audience: issuer.audience })

  it("'error' answers HTTP 500 and jose cannot fetch the keys", async () => {
    issuer.setJwksBehaviour('error')
    const res = await fetch(issuer.jwksUri)
    expect(res.status).toBe(500)
    expect(await res.json()).toMatchObject({ error: 'server_error' })
    await expect(verify(await issuer.mint())).rejects.toThrow(/Expected 200 OK/)
  })

  it("'down' drops the connection without a response", async () => {
    issuer.setJwksBehaviour('down')
    await expect(fetch(issuer.jwksUri)).rejects.toThrow('fetch failed')
    issuer.setDiscoveryBehaviour('down')
    await expect(fetch(discoveryUrl)).rejects.toThrow('fetch failed')
  })

  it('a custom body replaces the real JWKS (hostile key set)', async () => {
    const hostile = { keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: issuer.keys[0]!.kid }] }
    issuer.setJwksBehaviour({ body: hostile })
    const res = await fetch(issuer.jwksUri)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(await res.json()).toEqual(hostile)
    await expect(verify(await issuer.mint())).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey)
  })

  it('a string body is sent verbatim with the given status and content type', async () => {
    issuer.setJwksBehaviour({ body: '{"keys": [', status: 203, contentType: 'text/html' })
    const res = await fetch(issuer.jwksUri)
    expect(res.status).toBe(203)
    expect(res.headers.get('content-type')).toBe('text/html')
    expect(await res.text()).toBe('{"keys": [')
  })

  it('discovery can serve a document naming another issuer, at both locations', async () => {
    const body = { ...issuer.metadata, issuer: 'https://evil.example' }
    issuer.setDiscoveryBehaviour({ body })
    for (const url of [discoveryUrl, `${issuer.origin}/.well-known/oauth-authorization-server/t`]) {
      expect(await (await fetch(url)).json()).toEqual(body)
    }
    // The JWKS is unaffected.
    expect((await fetch(issuer.jwksUri)).status).toBe(200)
  })

  it("'ok' restores the real documents", async () => {
    issuer.setDiscoveryBehaviour('error')
    expect((await fetch(discoveryUrl)).status).toBe(500)
    issuer.setDiscoveryBehaviour('ok')
    expect(await (await fetch(discoveryUrl)).json()).toMatchObject({ issuer: issuer.issuer })
  })

  it('rejects unknown behaviours and bad statuses', () => {
    expect(() => issuer.setJwksBehaviour('slow' as EndpointBehaviour)).toThrow(/behaviour must be/)
    expect(() => issuer.setJwksBehaviour({ body: {}, status: 42 })).toThrow(/status/)
    expect(() => issuer.setDiscoveryBehaviour(null as unknown as EndpointBehaviour)).toThrow(/behaviour must be/)
  })

  it('counts requests per endpoint, whatever the behaviour, and resets', async () => {
    issuer.resetStats()
    expect(issuer.stats).toEqual({ jwks: 0, discovery: 0, introspection: 0, token: 0 })
    await fetch(issuer.jwksUri)
    issuer.setJwksBehaviour('error')
    await fetch(issuer.jwksUri)
    await fetch(discoveryUrl)
    await fetch(`${issuer.origin}/.well-known/oauth-authorization-server/t`)
    await fetch(`${issuer.origin}/unrelated`)
    expect(issuer.stats).toEqual({ jwks: 2, discovery: 2, introspection: 0, token: 0 })
    issuer.resetStats()
    expect(issuer.stats).toEqual({ jwks: 0, discovery: 0, introspection: 0, token: 0 })
  })

  it('shows how often an unknown-kid flood reaches the JWKS endpoint', async () => {
    issuer.resetStats()
    const jwks = createRemoteJWKSet(new URL(issuer.jwksUri), { cooldownDuration: 60_000 })
    const unknown = issuer.signRaw({ alg: 'RS256', kid: 'unknown' }, { iss: issuer.issuer }, issuer.keys[0]!)
    for (let i = 0; i < 5; i += 1) {
      await expect(jwtVerify(unknown, jwks)).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey)
    }
    // jose refetches on an unknown kid only once per cooldown.
    expect(issuer.stats.jwks).toBe(1)
  })
})

describe("'hang'", () => {
  it('never answers; a client timeout aborts and close() still resolves quickly', async () => {
    const issuer = await createIssuer()
    issuer.setJwksBehaviour('hang')
    issuer.setDiscoveryBehaviour('hang')
    const started = Date.now()
    await expect(fetch(issuer.jwksUri, { signal: AbortSignal.timeout(200) })).rejects.toMatchObject({ name: 'TimeoutError' })
    expect(Date.now() - started).toBeGreaterThanOrEqual(190)
    expect(issuer.stats.jwks).toBe(1)

    // A request still pending when the issuer closes must not keep close() waiting.
    const pending = fetch(`${issuer.issuer}/.well-known/openid-configuration`).then(
      () => 'answered',
      () => 'failed',
    )
    await waitFor(() => issuer.stats.discovery === 1)
    const closing = Date.now()
    await issuer.close()
    expect(Date.now() - closing).toBeLessThan(1000)
    expect(await pending).toBe('failed')
  })
})

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !condition(); i += 1) await new Promise((r) => setTimeout(r, 10))
  expect(condition()).toBe(true)
}
