import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createAuthenticator, createTokenPropagator, type CallerToken, type Identity } from '@portcullis/core'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { bearer, manualClock, rejection } from '../helpers.js'

const NOW = Date.UTC(2030, 0, 15, 12, 0, 0)

describe('token propagation and exchange (RFC 8693 §2)', () => {
  let issuer: LocalIssuer
  let downstream: http.Server
  let base: string
  const seen: Array<{ path: string | undefined; authorization: string | undefined }> = []
  const clock = manualClock(NOW)

  beforeAll(async () => {
    issuer = await createIssuer({ clock: clock.now })
    downstream = http.createServer((req, res) => {
      seen.push({ path: req.url, authorization: req.headers.authorization })
      if (req.url === '/api/redirect') {
        res.writeHead(302, { location: 'https://evil.example/' }).end()
        return
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
    })
    await new Promise<void>((resolve) => downstream.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(downstream.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    await issuer.close()
    await new Promise((resolve) => downstream.close(resolve))
  })

  async function caller(claims: Record<string, unknown> = {}): Promise<CallerToken> {
    const token = await issuer.mint(claims)
    const auth = createAuthenticator({ issuer: issuer.issuer, audience: [issuer.audience, 'https://billing.example'], jwksUri: issuer.jwksUri, clock: clock.now })
    const identity = (await auth.authenticate(bearer(token)))?.identity as Identity
    return { token, identity }
  }

  function exchange() {
    return { issuer: issuer.issuer, ...issuer.introspectionClient }
  }

  it('forwards the caller token to a configured downstream of the same audience', async () => {
    const propagator = createTokenPropagator({ downstreams: [{ url: `${base}/api/`, audience: issuer.audience }] })
    const c = await caller()
    seen.length = 0
    const res = await propagator.fetch(c, `${base}/api/orders?page=2`)
    expect(res.status).toBe(200)
    expect(seen).toEqual([{ path: '/api/orders?page=2', authorization: `Bearer ${c.token}` }])
  })

  it('refuses any other origin or path (the token never leaves for an unlisted API)', async () => {
    const propagator = createTokenPropagator({ downstreams: [{ url: `${base}/api/` }] })
    const c = await caller()
    seen.length = 0
    for (const url of [`${base}/apix`, `${base}/`, 'https://evil.example/api/', `http://localhost:${new URL(base).port}/api/`]) {
      await expect(propagator.fetch(c, url)).rejects.toMatchObject({ code: 'downstream_not_allowed' })
    }
    expect(seen).toEqual([])
  })

  it('refuses to forward across an audience without exchange', async () => {
    const propagator = createTokenPropagator({ downstreams: [{ url: `${base}/api/`, audience: 'https://inventory.example' }] })
    await expect(propagator.headers(await caller(), `${base}/api/x`)).rejects.toMatchObject({ code: 'audience_mismatch' })
  })

  it('RFC 8693: exchanges the token for the downstream audience, caches it until shortly before expiry', async () => {
    issuer.resetStats()
    const propagator = createTokenPropagator({
      downstreams: [{ url: `${base}/api/`, audience: 'https://inventory.example', scope: 'stock:read' }],
      exchange: exchange(),
      clock: clock.now,
    })
    const c = await caller({ sub: 'alice', scope: 'orders:read stock:read' })
    const headers = await propagator.headers(c, `${base}/api/stock`)
    const exchanged = (headers['authorization'] as string).replace('Bearer ', '')
    expect(exchanged).not.toBe(c.token)
    const payload = JSON.parse(Buffer.from(exchanged.split('.')[1] as string, 'base64url').toString()) as Record<string, unknown>
    expect(payload).toMatchObject({ sub: 'alice', aud: 'https://inventory.example', scope: 'stock:read', act: { sub: 'introspection-client' } })
    expect(issuer.tokenExchangeCalls).toEqual([
      { clientAuth: 'client_secret_basic', audience: 'https://inventory.example', scope: 'stock:read', subjectTokenValid: true },
    ])
    await propagator.headers(c, `${base}/api/stock`)
    expect(issuer.stats.token).toBe(1)
    // Lifetime 300 s, reused until 30 s before expiry.
    clock.advance(269_000)
    await propagator.headers(c, `${base}/api/stock`)
    expect(issuer.stats.token).toBe(1)
    clock.advance(1_000)
    await propagator.headers(await caller({ sub: 'alice' }), `${base}/api/stock`)
    expect(issuer.stats.token).toBe(2)
  })

  it('the exchange cache is bounded', async () => {
    issuer.resetStats()
    const propagator = createTokenPropagator({
      downstreams: [{ url: `${base}/api/`, audience: 'https://inventory.example' }],
      exchange: { ...exchange(), cacheMaxEntries: 1 },
      clock: clock.now,
    })
    const [a, b] = [await caller(), await caller()]
    for (const c of [a, b, a]) await propagator.headers(c, `${base}/api/x`)
    expect(issuer.stats.token).toBe(3)
  })

  it('a sender-constrained token is never forwarded, and a failed exchange is reported without the token', async () => {
    const identity = { ...(await caller()).identity, confirmation: { jkt: 'abc' } } as Identity
    const token = 'bound-token-value'
    const plain = createTokenPropagator({ downstreams: [{ url: `${base}/api/` }] })
    await expect(plain.headers({ token, identity }, `${base}/api/x`)).rejects.toMatchObject({ code: 'bound_token' })
    const withExchange = createTokenPropagator({ downstreams: [{ url: `${base}/api/` }], exchange: exchange() })
    const error = await rejection(() => withExchange.headers({ token, identity }, `${base}/api/x`))
    expect(error).toMatchObject({ code: 'exchange_failed' })
    expect(String(error.message)).not.toContain(token)
  })

  it('exchange failures: endpoint down, client refused', async () => {
    const propagator = createTokenPropagator({
      downstreams: [{ url: `${base}/api/`, audience: 'https://inventory.example' }],
      exchange: { ...exchange(), timeout: 200 },
    })
    issuer.setTokenBehaviour('down')
    await expect(propagator.headers(await caller(), `${base}/api/x`)).rejects.toMatchObject({ code: 'exchange_failed' })
    issuer.setTokenBehaviour('ok')
    const wrong = createTokenPropagator({
      downstreams: [{ url: `${base}/api/`, audience: 'https://inventory.example' }],
      exchange: { ...exchange(), clientSecret: 'wrong' },
    })
    await expect(wrong.headers(await caller(), `${base}/api/x`)).rejects.toMatchObject({ code: 'exchange_failed' })
  })

  it('does not follow redirects from a downstream', async () => {
    const propagator = createTokenPropagator({ downstreams: [{ url: `${base}/api/` }] })
    const res = await propagator.fetch(await caller(), `${base}/api/redirect`)
    expect(res.status).toBe(302)
  })

  it.each([
    [{ downstreams: [] }, /at least one downstream/],
    [{ downstreams: [{ url: 'http://billing.example/' }] }, /must use https/],
    [{ downstreams: [{ url: 'https://billing.example/', aud: 'x' }] }, /aud is not an option/],
    [{ downstreams: [{ url: 'https://billing.example/' }], exchange: { clientId: 'x', clientSecret: 'y' } }, /exchange\.issuer is required/],
  ])('configuration: %j is refused', (options, message) => {
    expect(() => createTokenPropagator(options as never)).toThrow(message)
  })
})
